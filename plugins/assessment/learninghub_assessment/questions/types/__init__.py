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

Layout: ``base`` (the table of types, errors, ``Grade``, shared checks), ``choices``
(single and multiple choice, true / false), ``text`` (short answer, essay, fill in the
blanks), ``structure`` (matching, ordering). The dispatch and the functions above live
here; import every name from this package, not from its modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from learninghub.i18n import N_

from .base import (
    ID_PATTERN,
    MAX_ANSWERS,
    MAX_ITEM_TEXT,
    MAX_ITEMS,
    TYPES,
    Grade,
    Path,
    QuestionError,
    ResponseError,
    SpecError,
    _mapping,
)
from .choices import (
    MC_SCORINGS,
    _feedback_multiple_choice,
    _feedback_single_choice,
    _feedback_true_false,
    _form_multiple_choice,
    _form_single_choice,
    _form_true_false,
    _grade_multiple_choice,
    _grade_single_choice,
    _grade_true_false,
    _response_multiple_choice,
    _response_single_choice,
    _response_true_false,
    _spec_multiple_choice,
    _spec_single_choice,
    _spec_true_false,
    _view_choice,
    multiple_choice_fraction,
)
from .structure import (
    _feedback_matching,
    _feedback_ordering,
    _form_matching,
    _form_ordering,
    _grade_matching,
    _grade_ordering,
    _response_matching,
    _response_ordering,
    _spec_matching,
    _spec_ordering,
    _view_matching,
    _view_ordering,
)
from .text import (
    BLANK_MARK,
    MAX_BLANKS,
    MAX_BLANKS_TEXT,
    MAX_ESSAY_TEXT,
    MAX_ESSAY_WORDS,
    MAX_RUBRIC,
    _feedback_essay,
    _feedback_fill_blanks,
    _feedback_short_answer,
    _form_fill_blanks,
    _form_text,
    _grade_fill_blanks,
    _grade_short_answer,
    _response_essay,
    _response_fill_blanks,
    _response_short_answer,
    _spec_essay,
    _spec_fill_blanks,
    _spec_short_answer,
    _view_essay,
    _view_fill_blanks,
    segments,
    word_count,
)

__all__ = [
    "BLANK_MARK",
    "ID_PATTERN",
    "MAX_ANSWERS",
    "MAX_BLANKS",
    "MAX_BLANKS_TEXT",
    "MAX_ESSAY_TEXT",
    "MAX_ESSAY_WORDS",
    "MAX_ITEMS",
    "MAX_ITEM_TEXT",
    "MAX_RUBRIC",
    "MC_SCORINGS",
    "TYPES",
    "Grade",
    "Path",
    "QuestionError",
    "ResponseError",
    "SpecError",
    "feedback_view",
    "grade",
    "is_auto_graded",
    "learner_view",
    "multiple_choice_fraction",
    "response_from_form",
    "segments",
    "validate_response",
    "validate_spec",
    "word_count",
]


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
