"""Short answer, essay and fill in the blanks (part of
``learninghub_assessment.questions.types``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from learninghub.i18n import N_

from ..answers import MAX_SHORT_TEXT
from .base import ResponseError, SpecError, _answer_key, _getone, _key_matches, _mapping, _text

MAX_ESSAY_TEXT = 50_000
MAX_ESSAY_WORDS = 20_000
MAX_RUBRIC = 5000
MAX_BLANKS_TEXT = 5000
MAX_BLANKS = 30
BLANK_MARK = re.compile(r"\[\[([A-Za-z0-9_-]{1,20})\]\]")


# -- short answer and essay --------------------------------------------------------------------


def _spec_short_answer(spec) -> dict[str, Any]:
    return _answer_key(spec, ())


def _response_text(response, limit: int) -> str:
    text = response.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ResponseError(("text",), N_("A text is expected."))
    if len(text) > limit:
        raise ResponseError(("text",), N_("At most %(limit)s characters."), limit=limit)
    return text


def _response_short_answer(spec, response) -> dict[str, Any]:
    return {"text": _response_text(response, MAX_SHORT_TEXT)}


def _grade_short_answer(spec, response) -> Fraction:
    return Fraction(int(_key_matches(spec, response.get("text"))))


def _feedback_short_answer(spec, response) -> dict[str, Any]:
    text = response.get("text")
    return {
        **spec,
        "given": text if isinstance(text, str) else "",
        "right": _key_matches(spec, text),
    }


def _form_text(view, form, prefix) -> dict[str, Any]:
    return {"text": _getone(form, f"{prefix}text") or ""}


def word_count(text: str) -> int:
    """Words of an essay: runs of non-space characters."""
    return len(text.split())


def _spec_essay(spec) -> dict[str, Any]:
    limits = {}
    for name, default in (("min_words", 0), ("max_words", 2000)):
        value = spec.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError((name,), N_("A whole number is expected."))
        if not 0 <= value <= MAX_ESSAY_WORDS:
            raise SpecError(
                (name,), N_("A number from 0 to %(limit)s is expected."), limit=MAX_ESSAY_WORDS
            )
        limits[name] = value
    if limits["max_words"] and limits["min_words"] > limits["max_words"]:
        raise SpecError(("min_words",), N_("The minimum is above the maximum."))
    rubric = spec.get("rubric", "") or ""
    rubric = _text(rubric, ("rubric",), MAX_RUBRIC, required=False)
    return {**limits, "rubric": rubric}


def _response_essay(spec, response) -> dict[str, Any]:
    text = _response_text(response, MAX_ESSAY_TEXT)
    if spec["max_words"] and word_count(text) > spec["max_words"]:
        raise ResponseError(("text",), N_("At most %(limit)s words."), limit=spec["max_words"])
    # min_words is shown to the learner and to the grader; drafts below it are kept
    return {"text": text}


def _view_essay(spec, seed) -> dict[str, Any]:
    return {"min_words": spec["min_words"], "max_words": spec["max_words"]}


def _feedback_essay(spec, response) -> dict[str, Any]:
    text = response.get("text") if isinstance(response.get("text"), str) else ""
    return {**spec, "given": text, "words": word_count(text), "right": None}


# -- fill in the blanks ----------------------------------------------------------------------------


def segments(text: str) -> list[dict[str, str]]:
    """``text`` cut into ``{"text": ...}`` and ``{"blank": key}`` parts."""
    parts: list[dict[str, str]] = []
    position = 0
    for match in BLANK_MARK.finditer(text):
        if match.start() > position:
            parts.append({"text": text[position : match.start()]})
        parts.append({"blank": match.group(1)})
        position = match.end()
    if position < len(text):
        parts.append({"text": text[position:]})
    return parts


def _spec_fill_blanks(spec) -> dict[str, Any]:
    text = _text(spec.get("text"), ("text",), MAX_BLANKS_TEXT)
    keys = BLANK_MARK.findall(text)
    if not keys:
        raise SpecError(("text",), N_("Mark at least one blank like [[1]]."))
    if len(keys) > MAX_BLANKS:
        raise SpecError(("text",), N_("At most %(limit)s blanks."), limit=MAX_BLANKS)
    if len(set(keys)) != len(keys):
        raise SpecError(("text",), N_("Each blank appears once in the text."))
    raw = _mapping(spec.get("blanks"), ("blanks",), SpecError)
    for key in raw:
        if key not in keys:
            raise SpecError(("blanks", str(key)), N_("This blank is not in the text."))
    blanks = {}
    for key in keys:
        if key not in raw:
            raise SpecError(("blanks", key), N_("Every blank needs its answers."))
        blank = _mapping(raw[key], ("blanks", key), SpecError)
        blanks[key] = _answer_key(blank, ("blanks", key), default_mode="casefold")
    return {"text": text, "blanks": blanks}


def _response_fill_blanks(spec, response) -> dict[str, Any]:
    raw = _mapping(response.get("blanks", {}), ("blanks",), ResponseError)
    for key, value in raw.items():
        if key not in spec["blanks"]:
            raise ResponseError(("blanks", str(key)), N_("This blank is not in the text."))
        if value is not None and not isinstance(value, str):
            raise ResponseError(("blanks", key), N_("A text is expected."))
        if value and len(value) > MAX_SHORT_TEXT:
            raise ResponseError(
                ("blanks", key), N_("At most %(limit)s characters."), limit=MAX_SHORT_TEXT
            )
    return {"blanks": {k: raw[k] for k in spec["blanks"] if raw.get(k)}}


def _given_blanks(response) -> Mapping[str, Any]:
    blanks = response.get("blanks")
    return blanks if isinstance(blanks, Mapping) else {}


def _grade_fill_blanks(spec, response) -> Fraction:
    given = _given_blanks(response)
    right = sum(1 for key, blank in spec["blanks"].items() if _key_matches(blank, given.get(key)))
    return Fraction(right, len(spec["blanks"]))


def _view_fill_blanks(spec, seed) -> dict[str, Any]:
    return {"segments": segments(spec["text"]), "blanks": list(spec["blanks"])}


def _feedback_fill_blanks(spec, response) -> dict[str, Any]:
    given = _given_blanks(response)
    blanks = {}
    for key, blank in spec["blanks"].items():
        value = given.get(key)
        blanks[key] = {
            **blank,
            "given": value if isinstance(value, str) else "",
            "right": _key_matches(blank, value),
        }
    return {
        "segments": segments(spec["text"]),
        "blanks": blanks,
        "right": all(b["right"] for b in blanks.values()),
    }


def _form_fill_blanks(view, form, prefix) -> dict[str, Any]:
    blanks = {}
    for key in view.get("blanks", []):
        value = _getone(form, f"{prefix}blank-{key}")
        if value:
            blanks[key] = value
    return {"blanks": blanks}
