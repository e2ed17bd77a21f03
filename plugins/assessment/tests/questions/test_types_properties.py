"""Properties of the question types (learninghub_assessment.questions.types).

Strategies: valid raw specs of every question type, with the response
that is the key. Key texts (short answers, blanks, rubrics) are upper-case ``ZQ…``
tokens while everything shown is lower case, so a key leaking into a view is found by
a plain substring search."""

from __future__ import annotations

import json
import re
import string
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from webob.multidict import MultiDict

from learninghub_assessment.questions import types

visible = st.text(alphabet=string.ascii_lowercase + " ", min_size=1, max_size=12).map(
    lambda s: s.strip() or "x"
)
secret = st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXY", min_size=4, max_size=10).map(lambda s: "ZQ" + s)


@st.composite
def items(draw, minimum=2, maximum=8):
    count = draw(st.integers(min_value=minimum, max_value=maximum))
    ids = draw(
        st.lists(
            st.text(alphabet=string.ascii_lowercase + string.digits, min_size=3, max_size=8),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    return [{"id": i, "text": draw(visible)} for i in ids]


@st.composite
def single_choice(draw):
    options = draw(items())
    return {"options": options, "correct": draw(st.sampled_from(options))["id"]}, None


@st.composite
def multiple_choice(draw):
    options = draw(items())
    correct = draw(st.lists(st.sampled_from([o["id"] for o in options]), min_size=1, unique=True))
    scoring = draw(st.sampled_from(["all_or_nothing", "partial", "right_minus_wrong"]))
    return {"options": options, "correct": correct, "scoring": scoring}, None


@st.composite
def true_false(draw):
    return {"correct": draw(st.booleans())}, None


@st.composite
def answer_key(draw, mode=None):
    """(key, a right text)."""
    mode = mode or draw(st.sampled_from(["exact", "casefold", "regex", "numeric"]))
    if mode == "numeric":
        answer = draw(st.decimals(min_value=-(10**6), max_value=10**6, places=3))
        tolerance = draw(st.decimals(min_value=0, max_value=5, places=2))
        offset = draw(st.decimals(min_value=0, max_value=1, places=2)) * tolerance
        given = str(answer + offset)
        return {"mode": mode, "answers": [str(answer)], "tolerance": str(tolerance)}, given
    answers = draw(st.lists(secret, min_size=1, max_size=3, unique=True))
    given = draw(st.sampled_from(answers))
    if mode == "regex":
        return {"mode": mode, "answers": [re.escape(a) for a in answers]}, given
    if mode == "casefold":
        given = f"  {given.lower()} "
    return {"mode": mode, "answers": answers}, given


@st.composite
def short_answer(draw):
    key, given = draw(answer_key())
    return key, given


@st.composite
def essay(draw):
    low = draw(st.integers(min_value=0, max_value=50))
    return {"min_words": low, "max_words": low + 100, "rubric": draw(secret)}, None


@st.composite
def matching(draw):
    prompts = draw(items())
    answers = draw(items(minimum=2, maximum=8))
    pairs = {p["id"]: draw(st.sampled_from(answers))["id"] for p in prompts}
    return {"prompts": prompts, "answers": answers, "pairs": pairs}, None


@st.composite
def ordering(draw):
    return {"items": draw(items())}, None


@st.composite
def fill_blanks(draw):
    keys = draw(
        st.lists(
            st.text(alphabet=string.digits, min_size=1, max_size=3),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    text = ""
    blanks = {}
    givens = {}
    for key in keys:
        text += draw(visible) + f" [[{key}]] "
        blanks[key], givens[key] = draw(answer_key())
    text += draw(visible)
    return {"text": text, "blanks": blanks}, givens


SPECS = {
    "single_choice": single_choice(),
    "multiple_choice": multiple_choice(),
    "true_false": true_false(),
    "short_answer": short_answer(),
    "essay": essay(),
    "matching": matching(),
    "ordering": ordering(),
    "fill_blanks": fill_blanks(),
}


@st.composite
def questions(draw, types=tuple(SPECS)):
    """(type, raw spec, helper for the key response)."""
    question_type = draw(st.sampled_from(types))
    spec, extra = draw(SPECS[question_type])
    return question_type, spec, extra


def key_response(question_type: str, spec: dict, extra) -> dict:
    """The response that is the key of a validated spec."""
    if question_type == "single_choice":
        return {"choice": spec["correct"]}
    if question_type == "multiple_choice":
        return {"choices": list(spec["correct"])}
    if question_type == "true_false":
        return {"value": spec["correct"]}
    if question_type == "short_answer":
        return {"text": extra}
    if question_type == "essay":
        return {"text": "some words"}
    if question_type == "matching":
        return {"pairs": dict(spec["pairs"])}
    if question_type == "ordering":
        return {"order": [i["id"] for i in spec["items"]]}
    if question_type == "fill_blanks":
        return {"blanks": dict(extra)}
    raise AssertionError(question_type)


def secrets_of(question_type: str, spec: dict) -> list[str]:
    """Key values that must never appear in a learner's view."""
    if question_type in ("short_answer",):
        return [a for a in spec["answers"] if spec["mode"] != "numeric"]
    if question_type == "fill_blanks":
        return [
            a
            for blank in spec["blanks"].values()
            if blank["mode"] != "numeric"
            for a in blank["answers"]
        ]
    if question_type == "essay":
        return [spec["rubric"]]
    return []


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


KEY_FIELDS = {"correct", "pairs", "tolerance", "mode", "rubric", "scoring"}


@settings(deadline=None)  # no timing assertions (shared machines)
@given(questions())
def test_validated_specs_are_stable(question):
    question_type, raw, _ = question
    spec = types.validate_spec(question_type, raw)
    assert types.validate_spec(question_type, spec) == spec


@settings(deadline=None)  # no timing assertions (shared machines)
@given(questions(), st.one_of(st.none(), st.integers()))
def test_learner_view_never_holds_the_key(question, seed):
    question_type, raw, _ = question
    spec = types.validate_spec(question_type, raw)
    view = types.learner_view(question_type, spec, shuffle_seed=seed)
    assert not _keys(view) & KEY_FIELDS
    if question_type != "matching":  # matching's "answers" are the choices, not a key
        assert "answers" not in _keys(view)
    dumped = json.dumps(view)
    for value in secrets_of(question_type, spec):
        assert value not in dumped
    if question_type == "ordering":
        assert [i["id"] for i in view["items"]] != [i["id"] for i in spec["items"]]
        assert sorted(view["items"], key=lambda i: i["id"]) == sorted(
            spec["items"], key=lambda i: i["id"]
        )
    if question_type in ("single_choice", "multiple_choice"):
        assert sorted(o["id"] for o in view["options"]) == sorted(o["id"] for o in spec["options"])
    if question_type == "matching":
        assert view["prompts"] == spec["prompts"]
        assert sorted(a["id"] for a in view["answers"]) == sorted(a["id"] for a in spec["answers"])


@settings(deadline=None)  # no timing assertions (shared machines)
@given(questions(), st.integers())
def test_learner_view_is_deterministic_for_a_seed(question, seed):
    question_type, raw, _ = question
    spec = types.validate_spec(question_type, raw)
    first = types.learner_view(question_type, spec, shuffle_seed=seed)
    assert first == types.learner_view(question_type, spec, shuffle_seed=seed)


@settings(deadline=None)  # no timing assertions (shared machines)
@given(questions())
def test_the_key_earns_full_marks(question):
    question_type, raw, extra = question
    spec = types.validate_spec(question_type, raw)
    response = types.validate_response(
        question_type, spec, key_response(question_type, spec, extra)
    )
    result = types.grade(question_type, spec, response)
    if question_type == "essay":
        assert result == types.Grade(None, True)
    else:
        assert result == types.Grade(Fraction(1), False)
        assert types.feedback_view(question_type, spec, response)["right"] is True


def _form_of(question_type: str, view: dict, response: dict) -> MultiDict:
    form = MultiDict()
    if question_type == "single_choice":
        form.add("q1-choice", response["choice"])
    elif question_type == "multiple_choice":
        for choice in response["choices"]:
            form.add("q1-choices", choice)
    elif question_type == "true_false":
        form.add("q1-value", "true" if response["value"] else "false")
    elif question_type in ("short_answer", "essay"):
        form.add("q1-text", response["text"])
    elif question_type == "matching":
        for prompt, answer in response["pairs"].items():
            form.add(f"q1-pair-{prompt}", answer)
    elif question_type == "ordering":
        for position, item in enumerate(response["order"], start=1):
            form.add(f"q1-position-{item}", str(position))
    elif question_type == "fill_blanks":
        for key, text in response["blanks"].items():
            form.add(f"q1-blank-{key}", text)
    return form


@settings(deadline=None)  # no timing assertions (shared machines)
@given(questions(), st.integers())
def test_forms_carry_the_key_back(question, seed):
    question_type, raw, extra = question
    spec = types.validate_spec(question_type, raw)
    view = types.learner_view(question_type, spec, shuffle_seed=seed)
    key = types.validate_response(question_type, spec, key_response(question_type, spec, extra))
    posted = types.response_from_form(
        question_type, view, _form_of(question_type, view, key), "q1-"
    )
    assert types.validate_response(question_type, spec, posted) == key


@settings(deadline=None)  # no timing assertions (shared machines)
@given(questions(), st.data())
def test_any_response_earns_a_fraction_in_0_1(question, data):
    question_type, raw, _ = question
    spec = types.validate_spec(question_type, raw)
    ids = [
        i["id"]
        for name in ("options", "items", "prompts", "answers")
        for i in (spec.get(name) if isinstance(spec.get(name), list) else [])
        if isinstance(i, dict)
    ] + ["nope"]
    noise = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(ids),
        st.text(alphabet="abZQ1 .", max_size=5),
    )
    response = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "choice": noise,
                "choices": st.lists(noise, max_size=6),
                "value": noise,
                "text": noise,
                "pairs": st.dictionaries(st.sampled_from(ids), noise, max_size=6),
                "order": st.lists(st.sampled_from(ids), max_size=8),
                "blanks": st.dictionaries(
                    st.sampled_from(list(spec.get("blanks", {})) or ["1"]), noise, max_size=4
                ),
            },
        )
    )
    result = types.grade(question_type, spec, response)
    if question_type == "essay":
        assert result.needs_manual and result.fraction is None
    else:
        assert not result.needs_manual
        assert 0 <= result.fraction <= 1
        types.feedback_view(question_type, spec, response)  # never raises either


@settings(deadline=None)  # no timing assertions (shared machines)
@given(multiple_choice(), st.data())
def test_multiple_choice_credit_is_monotonic(question, data):
    spec = types.validate_spec("multiple_choice", question[0])
    ids = [o["id"] for o in spec["options"]]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True))
    extra = data.draw(st.sampled_from(ids))

    def score(choices):
        return types.grade("multiple_choice", spec, {"choices": choices}).fraction

    before, after = score(chosen), score([*chosen, extra])
    if extra in spec["correct"]:
        assert after >= before
    else:
        assert after <= before
    assert score([]) == 0
    if spec["scoring"] == "all_or_nothing":
        assert score(chosen) == (1 if set(chosen) == set(spec["correct"]) else 0)
    if spec["scoring"] == "partial" and len(spec["correct"]) < len(ids):
        assert score(ids) == 0  # choosing everything earns nothing


@settings(deadline=None)  # no timing assertions (shared machines)
@given(multiple_choice(), st.data())
def test_multiple_choice_rules_as_documented(question, data):
    spec = types.validate_spec("multiple_choice", question[0])
    ids = {o["id"] for o in spec["options"]}
    correct = set(spec["correct"])
    wrong = ids - correct
    chosen = set(data.draw(st.lists(st.sampled_from(sorted(ids)), unique=True)))
    right_chosen, wrong_chosen = len(chosen & correct), len(chosen & wrong)
    expected = {
        "all_or_nothing": Fraction(int(chosen == correct)),
        "partial": Fraction(right_chosen, len(correct))
        - (Fraction(wrong_chosen, len(wrong)) if wrong else 0),
        "right_minus_wrong": Fraction(right_chosen - wrong_chosen, len(correct)),
    }[spec["scoring"]]
    expected = min(max(expected, Fraction(0)), Fraction(1))
    assert types.grade("multiple_choice", spec, {"choices": sorted(chosen)}).fraction == expected


@settings(deadline=None)  # no timing assertions (shared machines)
@given(matching(), st.data())
def test_matching_credit_is_the_share_of_right_pairs(question, data):
    spec = types.validate_spec("matching", question[0])
    answer_ids = [a["id"] for a in spec["answers"]]
    given_pairs = {
        p: data.draw(st.sampled_from(answer_ids)) for p in spec["pairs"] if data.draw(st.booleans())
    }
    right = sum(1 for p, a in spec["pairs"].items() if given_pairs.get(p) == a)
    result = types.grade("matching", spec, {"pairs": given_pairs})
    assert result.fraction == Fraction(right, len(spec["pairs"]))


@given(ordering(), st.randoms(use_true_random=False))
@settings(max_examples=50, deadline=None)
def test_ordering_credit_is_the_share_of_items_in_place(question, rng):
    spec = types.validate_spec("ordering", question[0])
    ids = [i["id"] for i in spec["items"]]
    order = list(ids)
    rng.shuffle(order)
    in_place = sum(1 for a, b in zip(order, ids, strict=True) if a == b)
    assert types.grade("ordering", spec, {"order": order}).fraction == Fraction(in_place, len(ids))


@settings(deadline=None)  # no timing assertions (shared machines)
@given(fill_blanks(), st.data())
def test_fill_blanks_credit_is_the_share_of_right_blanks(question, data):
    raw, givens = question
    spec = types.validate_spec("fill_blanks", raw)
    keep = {k: v for k, v in givens.items() if data.draw(st.booleans())}
    result = types.grade("fill_blanks", spec, {"blanks": keep})
    assert result.fraction == Fraction(len(keep), len(givens))
