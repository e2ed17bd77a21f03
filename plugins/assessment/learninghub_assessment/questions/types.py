"""Question types: what a spec and a response look like, how a response is graded and
what a learner may see. Pure and typed (no database, no request).

The table of types, specs and responses is docs/design/assessment-contracts.md; the
author's guide with examples is docs/plugins/assessment-questions.md. In short:

- ``validate_spec(type, spec)`` → the normalised spec, or ``SpecError(path, message)``.
- ``validate_response(type, spec, response)`` → the normalised response, or
  ``ResponseError(path, message)``. Unanswered parts are allowed (autosave keeps drafts):
  ``{"choice": None}``, ``{"choices": []}``, ``{"value": None}``, ``{"text": ""}``,
  a partial ``pairs`` or ``blanks`` mapping. An ordering is always a full permutation.
- ``grade(type, spec, response)`` → ``Grade(fraction, needs_manual)``. Tolerant: a
  response that no longer fits the spec (an option removed since) earns nothing for the
  parts that do not fit, it never raises.
- ``learner_view(type, spec, *, shuffle_seed)`` → never any part of the key.
- ``feedback_view(type, spec, response)`` → the key and per-part correctness.
- ``response_from_form(type, view, form, prefix)`` → a response from posted form fields
  (the names ``templates/questions/_render.jinja2`` uses).

Partial credit (fractions are exact ``Fraction`` in [0, 1]):

- ``multiple_choice`` with C the correct options, W the others and S the chosen ones:
  ``all_or_nothing`` = 1 when S = C, else 0; ``partial`` = |S∩C|/|C| − |S∩W|/|W|
  (second term 0 when W is empty); ``right_minus_wrong`` = (|S∩C| − |S∩W|) / |C|.
  Both clamped to [0, 1].
- ``matching``: correct pairs / prompts.
- ``ordering``: items at their correct absolute position / items (moving one item to
  the front of an otherwise right order scores low; that is deliberate and documented).
- ``fill_blanks``: right blanks / blanks.

Messages of the errors are English templates marked with ``N_``: translate with
``request.gettext(error.message, **error.params)``.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from learninghub.i18n import N_

from .answers import MAX_SHORT_TEXT, MODES, matches, parse_number, regex_problem

TYPES = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "essay",
    "matching",
    "ordering",
    "fill_blanks",
)
MC_SCORINGS = ("all_or_nothing", "partial", "right_minus_wrong")
MAX_ITEMS = 50
MAX_ITEM_TEXT = 1000
MAX_ANSWERS = 20
MAX_ESSAY_TEXT = 50_000
MAX_ESSAY_WORDS = 20_000
MAX_RUBRIC = 5000
MAX_BLANKS_TEXT = 5000
MAX_BLANKS = 30
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
BLANK_MARK = re.compile(r"\[\[([A-Za-z0-9_-]{1,20})\]\]")

Path = tuple[str | int, ...]


class QuestionError(ValueError):
    """A spec or response refused. ``path`` locates the field (``("options", 2,
    "text")``); ``message`` is an English template marked for translation, ``params``
    its values; ``str(error)`` is the English sentence."""

    def __init__(self, path: Path | list | str, message: str, **params: Any) -> None:
        if isinstance(path, str):
            path = (path,) if path else ()
        self.path: Path = tuple(path)
        self.message = message
        self.params = params
        self.text = message % params if params else message
        super().__init__(f"{'.'.join(map(str, self.path)) or '<root>'}: {self.text}")

    def translate(self, gettext: Callable[..., str]) -> str:
        """The message in the request's language (``request.gettext``)."""
        return gettext(self.message, **self.params)


class SpecError(QuestionError):
    """The author's spec is refused."""


class ResponseError(QuestionError):
    """The learner's response is refused."""


@dataclass(frozen=True)
class Grade:
    """``fraction`` of the points earned, in [0, 1]; None when a person must grade
    (``needs_manual``)."""

    fraction: Fraction | None
    needs_manual: bool


# -- shared checks ----------------------------------------------------------------------


def _mapping(value: Any, path: Path, error: type[QuestionError]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise error(path, N_("An object is expected."))
    return value


def _text(value: Any, path: Path, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise SpecError(path, N_("A text is expected."))
    value = value.strip()
    if required and not value:
        raise SpecError(path, N_("This cannot be empty."))
    if len(value) > limit:
        raise SpecError(path, N_("At most %(limit)s characters."), limit=limit)
    return value


def _new_id(used: set[str]) -> str:
    # random, not sequential: ids are shown to learners and must not reveal the order
    while True:
        candidate = secrets.token_hex(4)
        if candidate not in used:
            return candidate


def _items(value: Any, path: Path, *, minimum: int) -> list[dict[str, str]]:
    """A list of ``{"id", "text"}``, ids unique, generated where missing."""
    if not isinstance(value, list):
        raise SpecError(path, N_("A list is expected."))
    if len(value) < minimum:
        raise SpecError(path, N_("At least %(minimum)s entries are needed."), minimum=minimum)
    if len(value) > MAX_ITEMS:
        raise SpecError(path, N_("At most %(limit)s entries."), limit=MAX_ITEMS)
    items: list[dict[str, Any]] = []
    used: set[str] = set()
    for index, raw in enumerate(value):
        entry = _mapping(raw, (*path, index), SpecError)
        text = _text(entry.get("text"), (*path, index, "text"), MAX_ITEM_TEXT)
        item_id = entry.get("id")
        if item_id is not None and item_id != "":
            if not isinstance(item_id, str) or not ID_PATTERN.match(item_id):
                raise SpecError(
                    (*path, index, "id"),
                    N_("Ids are 1 to 40 letters, digits, '-' or '_'."),
                )
            if item_id in used:
                raise SpecError((*path, index, "id"), N_("This id is used twice."))
            used.add(item_id)
        items.append({"id": item_id or None, "text": text})
    for item in items:
        if item["id"] is None:
            item["id"] = _new_id(used)
            used.add(item["id"])
    return items


def _reference(value: Any, ids: list[str], path: Path) -> str:
    """An option named by id, or by its zero-based index (handy when ids were left to
    be generated)."""
    if isinstance(value, bool):
        raise SpecError(path, N_("This names no option."))
    if isinstance(value, int) and 0 <= value < len(ids):
        return ids[value]
    if isinstance(value, str) and value in ids:
        return value
    raise SpecError(path, N_("This names no option."))


def _answer_key(
    spec: Mapping[str, Any], path: Path, *, default_mode: str = "exact"
) -> dict[str, Any]:
    """``{"mode", "answers", "tolerance"?}`` of a short answer or a blank."""
    mode = spec.get("mode", default_mode)
    if mode not in MODES:
        raise SpecError((*path, "mode"), N_("Unknown answer mode."))
    raw = spec.get("answers")
    if not isinstance(raw, list) or not raw:
        raise SpecError((*path, "answers"), N_("At least one answer is needed."))
    if len(raw) > MAX_ANSWERS:
        raise SpecError((*path, "answers"), N_("At most %(limit)s entries."), limit=MAX_ANSWERS)
    answers: list[str] = []
    for index, answer in enumerate(raw):
        where = (*path, "answers", index)
        if isinstance(answer, int | Decimal) and not isinstance(answer, bool) and mode == "numeric":
            answer = str(answer)
        text = _text(answer, where, MAX_SHORT_TEXT)
        if mode == "regex":
            problem = regex_problem(text)
            if problem:
                raise SpecError(where, problem)
        if mode == "numeric":
            number = parse_number(text)
            if number is None:
                raise SpecError(where, N_("A number is expected."))
            text = str(number)
        answers.append(text)
    key: dict[str, Any] = {"mode": mode, "answers": answers}
    if mode == "numeric":
        raw_tolerance = spec.get("tolerance", "0")
        if isinstance(raw_tolerance, float):
            # 0.1 is not a tenth: authors give tolerances as decimal strings
            raise SpecError((*path, "tolerance"), N_("Give the tolerance as a decimal string."))
        try:
            tolerance = Decimal(str(raw_tolerance).strip())
        except InvalidOperation:
            raise SpecError((*path, "tolerance"), N_("A number is expected.")) from None
        if not tolerance.is_finite() or tolerance < 0 or tolerance > Decimal("1e12"):
            raise SpecError((*path, "tolerance"), N_("The tolerance is a number ≥ 0."))
        key["tolerance"] = str(tolerance)
    return key


def _key_matches(key: Mapping[str, Any], text: Any) -> bool:
    tolerance = Decimal(key.get("tolerance", "0")) if key.get("mode") == "numeric" else Decimal(0)
    return isinstance(text, str) and matches(key["mode"], key["answers"], text, tolerance)


def _shuffled(items: list[dict[str, str]], seed: int | str | None) -> list[dict[str, str]]:
    if seed is None:
        return [dict(item) for item in items]
    # mixed with the ids, so that one attempt seed gives each question its own order
    rng = random.Random(f"{seed}:{','.join(item['id'] for item in items)}")
    result = [dict(item) for item in items]
    rng.shuffle(result)
    return result


def _never_in_order(items: list[dict[str, str]], seed: int | None) -> list[dict[str, str]]:
    """Ordering items shuffled and never shown in the right order (that would give the
    answer away); without a seed, a stable one taken from the items."""
    if seed is None:
        digest = hashlib.sha256("\x1f".join(i["id"] for i in items).encode()).hexdigest()
        seed = int(digest[:12], 16)
    result = _shuffled(items, seed)
    if len(result) > 1 and [i["id"] for i in result] == [i["id"] for i in items]:
        result = result[1:] + result[:1]
    return result


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, str)]


def _getall(form: Any, name: str) -> list[str]:
    if hasattr(form, "getall"):
        return [str(v) for v in form.getall(name)]
    value = form.get(name) if hasattr(form, "get") else None
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _getone(form: Any, name: str) -> str | None:
    values = _getall(form, name)
    return values[-1] if values else None


# -- single and multiple choice --------------------------------------------------------------


def _spec_single_choice(spec: Mapping[str, Any]) -> dict[str, Any]:
    options = _items(spec.get("options"), ("options",), minimum=2)
    ids = [o["id"] for o in options]
    return {"options": options, "correct": _reference(spec.get("correct"), ids, ("correct",))}


def _spec_multiple_choice(spec: Mapping[str, Any]) -> dict[str, Any]:
    options = _items(spec.get("options"), ("options",), minimum=2)
    ids = [o["id"] for o in options]
    raw = spec.get("correct")
    if not isinstance(raw, list) or not raw:
        raise SpecError(("correct",), N_("At least one option must be correct."))
    correct: list[str] = []
    for index, ref in enumerate(raw):
        option = _reference(ref, ids, ("correct", index))
        if option in correct:
            raise SpecError(("correct", index), N_("This option is named twice."))
        correct.append(option)
    scoring = spec.get("scoring", "all_or_nothing")
    if scoring not in MC_SCORINGS:
        raise SpecError(("scoring",), N_("Unknown scoring rule."))
    return {"options": options, "correct": correct, "scoring": scoring}


def _response_single_choice(spec, response) -> dict[str, Any]:
    choice = response.get("choice")
    if choice in (None, ""):
        return {"choice": None}
    if choice not in [o["id"] for o in spec["options"]]:
        raise ResponseError(("choice",), N_("This is not one of the options."))
    return {"choice": choice}


def _response_multiple_choice(spec, response) -> dict[str, Any]:
    choices = response.get("choices", [])
    if not isinstance(choices, list):
        raise ResponseError(("choices",), N_("A list is expected."))
    ids = [o["id"] for o in spec["options"]]
    for index, choice in enumerate(choices):
        if choice not in ids:
            raise ResponseError(("choices", index), N_("This is not one of the options."))
    chosen = set(choices)
    return {"choices": [i for i in ids if i in chosen]}


def _grade_single_choice(spec, response) -> Fraction:
    return Fraction(int(response.get("choice") == spec["correct"]))


def multiple_choice_fraction(
    scoring: str, correct: set[str], wrong: set[str], chosen: set[str]
) -> Fraction:
    """The partial-credit rule of ``multiple_choice`` (see the module docstring)."""
    right_chosen = len(chosen & correct)
    wrong_chosen = len(chosen & wrong)
    if scoring == "all_or_nothing":
        return Fraction(int(chosen & (correct | wrong) == correct))
    if scoring == "partial":
        value = Fraction(right_chosen, len(correct))
        if wrong:
            value -= Fraction(wrong_chosen, len(wrong))
    else:  # right_minus_wrong
        value = Fraction(right_chosen - wrong_chosen, len(correct))
    return min(max(value, Fraction(0)), Fraction(1))


def _grade_multiple_choice(spec, response) -> Fraction:
    ids = {o["id"] for o in spec["options"]}
    correct = set(spec["correct"])
    return multiple_choice_fraction(
        spec["scoring"], correct, ids - correct, set(_ids(response.get("choices")))
    )


def _view_choice(spec, seed) -> dict[str, Any]:
    return {"options": _shuffled(spec["options"], seed)}


def _feedback_choice(spec, response, chosen: set[str], right: bool) -> dict[str, Any]:
    correct = spec["correct"] if isinstance(spec["correct"], list) else [spec["correct"]]
    return {
        "options": [
            {**o, "correct": o["id"] in correct, "chosen": o["id"] in chosen}
            for o in spec["options"]
        ],
        "correct": spec["correct"],
        "right": right,
    }


def _feedback_single_choice(spec, response) -> dict[str, Any]:
    choice = response.get("choice")
    return _feedback_choice(spec, response, {choice}, choice == spec["correct"])


def _feedback_multiple_choice(spec, response) -> dict[str, Any]:
    chosen = set(_ids(response.get("choices")))
    right = _grade_multiple_choice(spec, response) == 1
    data = _feedback_choice(spec, response, chosen, right)
    data["scoring"] = spec["scoring"]
    return data


def _form_single_choice(view, form, prefix) -> dict[str, Any]:
    return {"choice": _getone(form, f"{prefix}choice") or None}


def _form_multiple_choice(view, form, prefix) -> dict[str, Any]:
    return {"choices": [c for c in _getall(form, f"{prefix}choices") if c]}


# -- true / false ------------------------------------------------------------------------------


def _spec_true_false(spec) -> dict[str, Any]:
    correct = spec.get("correct")
    if not isinstance(correct, bool):
        raise SpecError(("correct",), N_("True or false is expected."))
    return {"correct": correct}


def _response_true_false(spec, response) -> dict[str, Any]:
    value = response.get("value")
    if value is not None and not isinstance(value, bool):
        raise ResponseError(("value",), N_("True or false is expected."))
    return {"value": value}


def _grade_true_false(spec, response) -> Fraction:
    value = response.get("value")
    return Fraction(int(isinstance(value, bool) and value == spec["correct"]))


def _feedback_true_false(spec, response) -> dict[str, Any]:
    value = response.get("value")
    return {
        "correct": spec["correct"],
        "chosen": value if isinstance(value, bool) else None,
        "right": value is spec["correct"],
    }


def _form_true_false(view, form, prefix) -> dict[str, Any]:
    raw = _getone(form, f"{prefix}value")
    return {"value": {"true": True, "false": False}.get(raw or "")}


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


# -- matching ------------------------------------------------------------------------------------


def _spec_matching(spec) -> dict[str, Any]:
    prompts = _items(spec.get("prompts"), ("prompts",), minimum=2)
    answers = _items(spec.get("answers"), ("answers",), minimum=2)
    answer_ids = [a["id"] for a in answers]
    raw = _mapping(spec.get("pairs"), ("pairs",), SpecError)
    prompt_ids = {p["id"] for p in prompts}
    for key in raw:
        if key not in prompt_ids:
            raise SpecError(("pairs", str(key)), N_("This names no prompt."))
    pairs: dict[str, str] = {}
    for prompt in prompts:
        if prompt["id"] not in raw:
            raise SpecError(("pairs", prompt["id"]), N_("Every prompt needs its answer."))
        pairs[prompt["id"]] = _reference(raw[prompt["id"]], answer_ids, ("pairs", prompt["id"]))
    return {"prompts": prompts, "answers": answers, "pairs": pairs}


def _response_matching(spec, response) -> dict[str, Any]:
    raw = _mapping(response.get("pairs", {}), ("pairs",), ResponseError)
    prompt_ids = [p["id"] for p in spec["prompts"]]
    answer_ids = {a["id"] for a in spec["answers"]}
    for key, value in raw.items():
        if key not in prompt_ids:
            raise ResponseError(("pairs", str(key)), N_("This names no prompt."))
        if value not in answer_ids and value not in (None, ""):
            raise ResponseError(("pairs", key), N_("This is not one of the answers."))
    return {"pairs": {p: raw[p] for p in prompt_ids if raw.get(p) not in (None, "")}}


def _given_pairs(response) -> Mapping[str, Any]:
    pairs = response.get("pairs")
    return pairs if isinstance(pairs, Mapping) else {}


def _grade_matching(spec, response) -> Fraction:
    given = _given_pairs(response)
    right = sum(1 for prompt, answer in spec["pairs"].items() if given.get(prompt) == answer)
    return Fraction(right, len(spec["pairs"]))


def _view_matching(spec, seed) -> dict[str, Any]:
    return {
        "prompts": [dict(p) for p in spec["prompts"]],
        "answers": _shuffled(spec["answers"], seed),
    }


def _feedback_matching(spec, response) -> dict[str, Any]:
    given = _given_pairs(response)
    texts = {a["id"]: a["text"] for a in spec["answers"]}
    rows = []
    for prompt in spec["prompts"]:
        chosen = given.get(prompt["id"])
        chosen = chosen if chosen in texts else None
        correct = spec["pairs"][prompt["id"]]
        rows.append(
            {
                **prompt,
                "chosen": chosen,
                "chosen_text": texts.get(chosen) if chosen else None,
                "correct": correct,
                "correct_text": texts[correct],
                "right": chosen == correct,
            }
        )
    return {
        "prompts": rows,
        "answers": [dict(a) for a in spec["answers"]],
        "pairs": dict(spec["pairs"]),
        "right": all(row["right"] for row in rows),
    }


def _form_matching(view, form, prefix) -> dict[str, Any]:
    pairs = {}
    for prompt in view.get("prompts", []):
        value = _getone(form, f"{prefix}pair-{prompt['id']}")
        if value:
            pairs[prompt["id"]] = value
    return {"pairs": pairs}


# -- ordering ------------------------------------------------------------------------------------


def _spec_ordering(spec) -> dict[str, Any]:
    return {"items": _items(spec.get("items"), ("items",), minimum=2)}


def _response_ordering(spec, response) -> dict[str, Any]:
    order = response.get("order")
    ids = [i["id"] for i in spec["items"]]
    if not isinstance(order, list):
        raise ResponseError(("order",), N_("A list is expected."))
    for index, item in enumerate(order):
        if item not in ids:
            raise ResponseError(("order", index), N_("This is not one of the items."))
    if sorted(order) != sorted(ids):
        raise ResponseError(("order",), N_("Every item must be placed exactly once."))
    return {"order": list(order)}


def _grade_ordering(spec, response) -> Fraction:
    order = _ids(response.get("order"))
    ids = [i["id"] for i in spec["items"]]
    right = sum(
        1 for position, item in enumerate(ids) if position < len(order) and order[position] == item
    )
    return Fraction(right, len(ids))


def _view_ordering(spec, seed) -> dict[str, Any]:
    return {"items": _never_in_order(spec["items"], seed)}


def _feedback_ordering(spec, response) -> dict[str, Any]:
    order = _ids(response.get("order"))
    ids = [i["id"] for i in spec["items"]]
    texts = {i["id"]: i["text"] for i in spec["items"]}
    given = [
        {
            "id": item,
            "text": texts[item],
            "position": position + 1,
            "correct_position": ids.index(item) + 1,
            "right": position < len(ids) and ids[position] == item,
        }
        for position, item in enumerate(order)
        if item in texts
    ]
    return {
        "items": [dict(i) for i in spec["items"]],
        "given": given,
        "right": order == ids,
    }


def _form_ordering(view, form, prefix) -> dict[str, Any]:
    """Items sorted by the position the learner picked for each (1-based selects);
    ties and blanks keep the order they were shown in."""
    items = [i["id"] for i in view.get("items", [])]
    keyed = []
    for shown, item in enumerate(items):
        raw = _getone(form, f"{prefix}position-{item}")
        try:
            position = int(raw) if raw is not None else len(items) + 1
        except ValueError:
            position = len(items) + 1
        keyed.append((position, shown, item))
    return {"order": [item for _, _, item in sorted(keyed)]}


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


# -- dispatch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Type:
    spec: Callable[[Mapping[str, Any]], dict[str, Any]]
    response: Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]
    grade: Callable[[dict[str, Any], Mapping[str, Any]], Fraction] | None
    view: Callable[[dict[str, Any], int | None], dict[str, Any]]
    feedback: Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]
    form: Callable[[Mapping[str, Any], Any, str], dict[str, Any]]


_REGISTRY: dict[str, _Type] = {
    "single_choice": _Type(
        _spec_single_choice,
        _response_single_choice,
        _grade_single_choice,
        _view_choice,
        _feedback_single_choice,
        _form_single_choice,
    ),
    "multiple_choice": _Type(
        _spec_multiple_choice,
        _response_multiple_choice,
        _grade_multiple_choice,
        _view_choice,
        _feedback_multiple_choice,
        _form_multiple_choice,
    ),
    "true_false": _Type(
        _spec_true_false,
        _response_true_false,
        _grade_true_false,
        lambda spec, seed: {},
        _feedback_true_false,
        _form_true_false,
    ),
    "short_answer": _Type(
        _spec_short_answer,
        _response_short_answer,
        _grade_short_answer,
        lambda spec, seed: {},
        _feedback_short_answer,
        _form_text,
    ),
    "essay": _Type(_spec_essay, _response_essay, None, _view_essay, _feedback_essay, _form_text),
    "matching": _Type(
        _spec_matching,
        _response_matching,
        _grade_matching,
        _view_matching,
        _feedback_matching,
        _form_matching,
    ),
    "ordering": _Type(
        _spec_ordering,
        _response_ordering,
        _grade_ordering,
        _view_ordering,
        _feedback_ordering,
        _form_ordering,
    ),
    "fill_blanks": _Type(
        _spec_fill_blanks,
        _response_fill_blanks,
        _grade_fill_blanks,
        _view_fill_blanks,
        _feedback_fill_blanks,
        _form_fill_blanks,
    ),
}
assert tuple(_REGISTRY) == TYPES


def _type(question_type: str, error: type[QuestionError]) -> _Type:
    try:
        return _REGISTRY[question_type]
    except (KeyError, TypeError):
        raise error(("type",), N_("Unknown question type.")) from None


def is_auto_graded(question_type: str) -> bool:
    """Whether responses of this type are graded without a person."""
    return _type(question_type, SpecError).grade is not None


def validate_spec(question_type: str, spec: Any) -> dict[str, Any]:
    """The normalised spec (ids generated for options without one, defaults filled in,
    unknown keys dropped), or ``SpecError``."""
    kind = _type(question_type, SpecError)
    return kind.spec(_mapping(spec, (), SpecError))


def validate_response(question_type: str, spec: dict[str, Any], response: Any) -> dict[str, Any]:
    """The normalised response to a *validated* spec, or ``ResponseError``."""
    kind = _type(question_type, ResponseError)
    return kind.response(spec, _mapping(response, (), ResponseError))


def grade(question_type: str, spec: dict[str, Any], response: Any) -> Grade:
    """The share of the points a response earns. Never raises on a response that does
    not fit (it earns nothing for what does not fit); essays need a person."""
    kind = _type(question_type, ResponseError)
    if kind.grade is None:
        return Grade(None, True)
    if not isinstance(response, Mapping):
        return Grade(Fraction(0), False)
    return Grade(kind.grade(spec, response), False)


def learner_view(
    question_type: str, spec: dict[str, Any], *, shuffle_seed: int | None
) -> dict[str, Any]:
    """What a learner may see before feedback: never the key. Options and matching
    answers are shuffled when a seed is given; ordering items always are."""
    return _type(question_type, SpecError).view(spec, shuffle_seed)


def feedback_view(question_type: str, spec: dict[str, Any], response: Any) -> dict[str, Any]:
    """The key and the correctness of each part of ``response`` (``right``: the whole
    response is right; None for essays)."""
    kind = _type(question_type, SpecError)
    return kind.feedback(spec, response if isinstance(response, Mapping) else {})


def response_from_form(
    question_type: str, view: Mapping[str, Any], form: Any, prefix: str = ""
) -> dict[str, Any]:
    """A response from posted fields (a webob ``MultiDict`` or a plain mapping), named
    as ``templates/questions/_render.jinja2`` names them:

    ``{prefix}choice`` (single choice), ``{prefix}choices`` (several, multiple choice),
    ``{prefix}value`` (``true`` / ``false``), ``{prefix}text`` (short answer, essay),
    ``{prefix}pair-{prompt id}`` (matching), ``{prefix}position-{item id}`` (ordering,
    1-based), ``{prefix}blank-{key}`` (fill in the blanks). ``view`` is the
    ``learner_view`` the form was drawn from. Never raises: pass the result to
    ``validate_response``."""
    return _type(question_type, ResponseError).form(view, form, prefix)
