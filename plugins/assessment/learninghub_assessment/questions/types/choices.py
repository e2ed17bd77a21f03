"""Single choice, multiple choice and true / false (part of
``learninghub_assessment.questions.types``). The partial-credit rule of
``multiple_choice`` is stated in the package docstring."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from learninghub.i18n import N_

from .base import ResponseError, SpecError, _getall, _getone, _ids, _items, _reference, _shuffled

MC_SCORINGS = ("all_or_nothing", "partial", "right_minus_wrong")


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
