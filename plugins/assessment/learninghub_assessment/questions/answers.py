"""Matching a typed answer against a key: the four modes of ``short_answer`` and of the
blanks of ``fill_blanks``. Pure.

- ``exact``: the text with its outer whitespace trimmed equals an answer.
- ``casefold``: both sides Unicode-normalised (NFKC), case-folded (``str.casefold``: ß
  matches ss) and with every run of whitespace collapsed to one space.
- ``regex``: an answer is a pattern that must match the whole trimmed text
  (``re.fullmatch``). Patterns are checked when the question is saved (``regex_problem``):
  at most 200 characters; no backreferences or conditionals; no quantified group that
  itself holds a quantifier or an alternation (``(a+)+``, ``(a|aa)*``: the shapes of
  catastrophic backtracking); at most 3 variable quantifiers in all; counted repeats at
  most {100}. Learner texts are at most 200 characters (``MAX_SHORT_TEXT``), so the
  worst case of what is left is a polynomial of low degree over a short string.
- ``numeric``: the text read as a decimal number (``,`` accepted as the decimal mark
  when there is no ``.``; spaces and ``_`` ignored) is within ``tolerance`` (absolute,
  ≥ 0) of an answer. No floats: ``Decimal`` throughout.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

try:  # Python 3.11+: the parser behind ``re``
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - older layouts
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

from learninghub.i18n import N_

MODES = ("exact", "casefold", "regex", "numeric")
MAX_PATTERN = 200
MAX_SHORT_TEXT = 200
MAX_VARIABLE_REPEATS = 3
MAX_COUNTED_REPEAT = 100
MAX_NUMBER_DIGITS = 30

_WHITESPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_REPEATS = {
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    getattr(sre_constants, "POSSESSIVE_REPEAT", sre_constants.MAX_REPEAT),
}
_FORBIDDEN = {sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS}
_GROUPREF_IGNORE = getattr(sre_constants, "GROUPREF_IGNORE", None)
if _GROUPREF_IGNORE is not None:
    _FORBIDDEN.add(_GROUPREF_IGNORE)


def fold(text: str) -> str:
    """The ``casefold`` form of a text."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE.sub(" ", normal).strip()


def parse_number(text: str) -> Decimal | None:
    """A learner's or author's number, or None when the text is not one."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("_", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not cleaned or len(cleaned) > MAX_NUMBER_DIGITS or not _NUMBER.fullmatch(cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _walk(items, inside_repeat: bool, counts: dict[str, int]) -> str | None:
    for op, av in items:
        if op in _FORBIDDEN:
            return N_("Backreferences and conditionals are not allowed in answer patterns.")
        if op in _REPEATS:
            low, high, sub = av
            bounded = high != sre_constants.MAXREPEAT
            if (bounded and high > MAX_COUNTED_REPEAT) or low > MAX_COUNTED_REPEAT:
                return N_("Repeat counts in answer patterns are at most 100.")
            if low != high:
                counts["variable"] += 1
            if inside_repeat:
                return N_(
                    "A repeated group may not contain another repeat in answer patterns "
                    "(like (a+)+)."
                )
            problem = _walk(sub, inside_repeat or high > 1, counts)
            if problem:
                return problem
        elif op is sre_constants.BRANCH:
            if inside_repeat:
                return N_(
                    "A repeated group may not contain alternatives in answer patterns "
                    "(like (a|ab)*)."
                )
            for branch in av[1]:
                problem = _walk(branch, inside_repeat, counts)
                if problem:
                    return problem
        elif op is sre_constants.SUBPATTERN:
            problem = _walk(av[-1], inside_repeat, counts)
            if problem:
                return problem
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problem = _walk(av[1], inside_repeat, counts)
            if problem:
                return problem
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            problem = _walk(av, inside_repeat, counts)
            if problem:
                return problem
    return None


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` may not be an answer pattern (a translatable message), or None
    when it is safe. See the module's docstring for the rule."""
    if len(pattern) > MAX_PATTERN:
        return N_("Answer patterns are at most 200 characters.")
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return N_("This is not a valid regular expression.")
    counts = {"variable": 0}
    problem = _walk(parsed, False, counts)
    if problem:
        return problem
    if counts["variable"] > MAX_VARIABLE_REPEATS:
        return N_("Answer patterns have at most 3 variable repeats (*, +, ?, {m,n}).")
    return None


def matches(mode: str, answers: list[str], text: str, tolerance: Decimal = Decimal(0)) -> bool:
    """Whether ``text`` is right for the key (``answers`` in ``mode``). Tolerant: a
    text that cannot be right (too long, not a number) is simply wrong."""
    if not isinstance(text, str) or len(text) > MAX_SHORT_TEXT:
        return False
    given = text.strip()
    if mode == "exact":
        return given in answers
    if mode == "casefold":
        folded = fold(given)
        return any(fold(answer) == folded for answer in answers)
    if mode == "regex":
        # patterns were checked by regex_problem when saved; check again for specs
        # written before a rule tightened
        return any(
            regex_problem(pattern) is None and re.fullmatch(pattern, given) is not None
            for pattern in answers
        )
    if mode == "numeric":
        value = parse_number(given)
        if value is None:
            return False
        for answer in answers:
            expected = parse_number(answer)
            if expected is not None and abs(value - expected) <= tolerance:
                return True
        return False
    return False
