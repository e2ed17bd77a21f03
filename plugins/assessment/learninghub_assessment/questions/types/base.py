"""What every question type shares: the table of types, the errors, ``Grade`` and the
checks and helpers the type families use (part of ``learninghub_assessment.questions.types``;
the contract is that package's docstring)."""

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

from ..answers import MAX_SHORT_TEXT, MODES, matches, parse_number, regex_problem

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
MAX_ITEMS = 50
MAX_ITEM_TEXT = 1000
MAX_ANSWERS = 20
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")

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
