"""The question editor's form, one set of fields per type, to and from a spec.

Field names (``templates/questions/form.jinja2``):

- choices: rows ``option-{i}-text`` / ``option-{i}-id`` (hidden: ids are kept across
  edits, so recorded answers still point at their option); single choice marks the
  right row with the radio ``correct`` = ``i``, multiple choice with checkboxes
  ``option-{i}-correct``; ``scoring``;
- true / false: radio ``correct`` = ``true`` / ``false``;
- short answer: ``mode``, ``answers`` (one per line), ``tolerance``;
- essay: ``min_words``, ``max_words``, ``rubric``;
- matching: rows ``pair-{i}-prompt`` / ``pair-{i}-answer`` (a prompt and its right
  answer; equal answer texts are one answer) with hidden ids, and ``extra_answers``
  (wrong answers to choose from, one per line);
- ordering: rows ``item-{i}-text`` / ``item-{i}-id`` in the right order;
- fill in the blanks: ``text`` with the answers in the gaps (``[[Paris|paris]]``:
  alternatives separated by ``|``) and one ``mode`` for every gap (``exact``,
  ``casefold``, ``numeric`` with ``tolerance``).

Empty rows are skipped; ``rows`` (hidden) says how many rows to draw, and the "add a
row" button posts the form back with one more (no script needed).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from .types import BLANK_MARK

BLANK_FORM_MODES = ("casefold", "exact", "numeric")
_INLINE_GAP = re.compile(r"\[\[([^\[\]]+)\]\]")
#: rows drawn at least (a new question starts with these)
MIN_ROWS = {"single_choice": 4, "multiple_choice": 4, "matching": 3, "ordering": 3}
MAX_ROWS = 50


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def row_count(form, question_type: str, filled: int) -> int:
    """Rows to draw: the posted count (one more after "add a row"), at least one
    empty row after the filled ones and the type's minimum."""
    try:
        asked = int(form.get("rows", "0")) if form is not None else 0
    except ValueError:
        asked = 0
    if form is not None and form.get("add_row"):
        asked += 1
    return min(MAX_ROWS, max(asked, filled + 1, MIN_ROWS.get(question_type, 0)))


def spec_from_form(question_type: str, form) -> dict[str, Any]:
    """The raw spec the posted fields describe (validated afterwards by
    ``types.validate_spec``; indexes of rows left empty are dropped)."""
    if question_type in ("single_choice", "multiple_choice"):
        options, correct = [], []
        for i in range(MAX_ROWS):
            text = (form.get(f"option-{i}-text") or "").strip()
            if not text:
                continue
            index = len(options)
            options.append({"id": form.get(f"option-{i}-id") or None, "text": text})
            if question_type == "single_choice" and form.get("correct") == str(i):
                correct.append(index)
            if question_type == "multiple_choice" and form.get(f"option-{i}-correct"):
                correct.append(index)
        if question_type == "single_choice":
            return {"options": options, "correct": correct[0] if correct else None}
        return {"options": options, "correct": correct, "scoring": form.get("scoring")}
    if question_type == "true_false":
        return {"correct": {"true": True, "false": False}.get(form.get("correct", ""))}
    if question_type == "short_answer":
        spec: dict[str, Any] = {"mode": form.get("mode"), "answers": _lines(form.get("answers"))}
        if spec["mode"] == "numeric":
            spec["tolerance"] = (form.get("tolerance") or "0").strip()
        return spec
    if question_type == "essay":

        def number(name: str, default: int) -> Any:
            raw = (form.get(name) or "").strip()
            if not raw:
                return default
            return int(raw) if raw.isdigit() else raw

        return {
            "min_words": number("min_words", 0),
            "max_words": number("max_words", 2000),
            "rubric": form.get("rubric", ""),
        }
    if question_type == "matching":
        prompts, answers, pairs = [], [], {}
        by_text: dict[str, dict[str, Any]] = {}

        def answer_for(text: str, answer_id: str | None) -> dict[str, Any]:
            if text not in by_text:
                # random ids: numbered ones would tell a learner which answer goes where
                by_text[text] = {"id": answer_id or secrets.token_hex(4), "text": text}
                answers.append(by_text[text])
            return by_text[text]

        for i in range(MAX_ROWS):
            prompt = (form.get(f"pair-{i}-prompt") or "").strip()
            answer = (form.get(f"pair-{i}-answer") or "").strip()
            if not prompt and not answer:
                continue
            prompt_id = form.get(f"pair-{i}-pid") or secrets.token_hex(4)
            prompts.append({"id": prompt_id, "text": prompt})
            if answer:
                pairs[prompt_id] = answer_for(answer, form.get(f"pair-{i}-aid"))["id"]
        for text in _lines(form.get("extra_answers")):
            # extra answers have no hidden id field: an id from their text keeps them
            # stable across edits (and says nothing about the pairs)
            answer_for(text, "x" + hashlib.sha256(text.encode()).hexdigest()[:8])
        return {"prompts": prompts, "answers": answers, "pairs": pairs}
    if question_type == "ordering":
        items = []
        for i in range(MAX_ROWS):
            text = (form.get(f"item-{i}-text") or "").strip()
            if text:
                items.append({"id": form.get(f"item-{i}-id") or None, "text": text})
        return {"items": items}
    if question_type == "fill_blanks":
        mode = form.get("mode") if form.get("mode") in BLANK_FORM_MODES else "casefold"
        blanks: dict[str, Any] = {}

        def gap(match: re.Match[str]) -> str:
            key = str(len(blanks) + 1)
            blank: dict[str, Any] = {
                "answers": [a.strip() for a in match.group(1).split("|") if a.strip()],
                "mode": mode,
            }
            if mode == "numeric":
                blank["tolerance"] = (form.get("tolerance") or "0").strip()
            blanks[key] = blank
            return f"[[{key}]]"

        text = _INLINE_GAP.sub(gap, form.get("text") or "")
        return {"text": text, "blanks": blanks}
    return {}


def form_values(question_type: str, spec: dict[str, Any] | None) -> dict[str, Any]:
    """The type's fields filled from a (validated) spec, for the edit form."""
    spec = spec or {}
    if question_type in ("single_choice", "multiple_choice"):
        correct = spec.get("correct")
        correct = correct if isinstance(correct, list) else [correct]
        return {
            "rows": [
                {"id": o["id"], "text": o["text"], "correct": o["id"] in correct}
                for o in spec.get("options", [])
            ],
            "scoring": spec.get("scoring", "all_or_nothing"),
        }
    if question_type == "true_false":
        return {"correct": spec.get("correct")}
    if question_type == "short_answer":
        return {
            "mode": spec.get("mode", "exact"),
            "answers": "\n".join(spec.get("answers", [])),
            "tolerance": spec.get("tolerance", "0"),
        }
    if question_type == "essay":
        return {
            "min_words": spec.get("min_words", 0),
            "max_words": spec.get("max_words", 2000),
            "rubric": spec.get("rubric", ""),
        }
    if question_type == "matching":
        texts = {a["id"]: a["text"] for a in spec.get("answers", [])}
        pairs = spec.get("pairs", {})
        used = set(pairs.values())
        return {
            "rows": [
                {
                    "pid": p["id"],
                    "prompt": p["text"],
                    "aid": pairs.get(p["id"], ""),
                    "answer": texts.get(pairs.get(p["id"], ""), ""),
                }
                for p in spec.get("prompts", [])
            ],
            "extra_answers": "\n".join(
                a["text"] for a in spec.get("answers", []) if a["id"] not in used
            ),
        }
    if question_type == "ordering":
        return {"rows": [{"id": i["id"], "text": i["text"]} for i in spec.get("items", [])]}
    if question_type == "fill_blanks":
        blanks = spec.get("blanks", {})
        first = next(iter(blanks.values()), {})

        def inline(match: re.Match[str]) -> str:
            return "[[" + "|".join(blanks.get(match.group(1), {}).get("answers", [])) + "]]"

        return {
            "text": BLANK_MARK.sub(inline, spec.get("text", "")),
            "mode": first.get("mode", "casefold")
            if first.get("mode") in BLANK_FORM_MODES
            else "casefold",
            "tolerance": first.get("tolerance", "0"),
        }
    return {}


def posted_values(question_type: str, form) -> dict[str, Any]:
    """The type's fields as posted (redrawn when the form is refused or grows)."""
    if question_type in ("single_choice", "multiple_choice"):
        rows = []
        for i in range(MAX_ROWS):
            text = form.get(f"option-{i}-text")
            if text is None:
                continue
            rows.append(
                {
                    "id": form.get(f"option-{i}-id", ""),
                    "text": text,
                    "correct": form.get("correct") == str(i)
                    if question_type == "single_choice"
                    else bool(form.get(f"option-{i}-correct")),
                }
            )
        return {"rows": rows, "scoring": form.get("scoring", "all_or_nothing")}
    if question_type == "true_false":
        return {"correct": {"true": True, "false": False}.get(form.get("correct", ""))}
    if question_type in ("short_answer", "essay"):
        return {
            name: form.get(name, "")
            for name in ("mode", "answers", "tolerance", "min_words", "max_words", "rubric")
        }
    if question_type == "matching":
        rows = []
        for i in range(MAX_ROWS):
            if form.get(f"pair-{i}-prompt") is None:
                continue
            rows.append(
                {
                    "pid": form.get(f"pair-{i}-pid", ""),
                    "prompt": form.get(f"pair-{i}-prompt", ""),
                    "aid": form.get(f"pair-{i}-aid", ""),
                    "answer": form.get(f"pair-{i}-answer", ""),
                }
            )
        return {"rows": rows, "extra_answers": form.get("extra_answers", "")}
    if question_type == "ordering":
        rows = []
        for i in range(MAX_ROWS):
            if form.get(f"item-{i}-text") is not None:
                rows.append(
                    {"id": form.get(f"item-{i}-id", ""), "text": form.get(f"item-{i}-text")}
                )
        return {"rows": rows}
    if question_type == "fill_blanks":
        return {
            "text": form.get("text", ""),
            "mode": form.get("mode", "casefold"),
            "tolerance": form.get("tolerance", "0"),
        }
    return {}


def field_of(question_type: str, path: tuple) -> str | None:
    """The form field a spec error points at (for ``aria-invalid``), when there is one
    (errors about rows are shown above the rows: empty rows are skipped, so a spec
    index is not a row number)."""
    if not path:
        return None
    head = path[0]
    if head in (
        "answers",
        "mode",
        "tolerance",
        "min_words",
        "max_words",
        "rubric",
        "text",
        "scoring",
    ):
        return {"text": "text"}.get(head, head) if question_type != "matching" else None
    if question_type == "fill_blanks" and head == "blanks":
        return "text"
    return None
