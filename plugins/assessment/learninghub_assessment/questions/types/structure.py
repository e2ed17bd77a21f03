"""Matching and ordering (part of ``learninghub_assessment.questions.types``)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from learninghub.i18n import N_

from .base import (
    ResponseError,
    SpecError,
    _getone,
    _ids,
    _items,
    _mapping,
    _never_in_order,
    _reference,
    _shuffled,
)

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
