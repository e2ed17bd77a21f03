"""Validation errors and worked examples of each question type."""

from __future__ import annotations

from fractions import Fraction

import pytest
from webob.multidict import MultiDict

from learninghub_assessment.models.questions import QUESTION_TYPES
from learninghub_assessment.questions import types
from learninghub_assessment.questions.answers import fold, parse_number, regex_problem

CHOICES = [{"id": "a", "text": "Paris"}, {"id": "b", "text": "Lyon"}, {"id": "c", "text": "Nice"}]


def spec_error(question_type, spec) -> types.SpecError:
    with pytest.raises(types.SpecError) as info:
        types.validate_spec(question_type, spec)
    return info.value


def response_error(question_type, spec, response) -> types.ResponseError:
    with pytest.raises(types.ResponseError) as info:
        types.validate_response(question_type, types.validate_spec(question_type, spec), response)
    return info.value


def test_the_types_are_those_of_the_table():
    assert types.TYPES == QUESTION_TYPES


def test_unknown_type_and_non_object_spec():
    assert spec_error("dance", {}).path == ("type",)
    assert spec_error("true_false", []).path == ()


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"correct": "a"}, ("options",)),
        ({"options": [{"text": "only"}], "correct": 0}, ("options",)),
        (
            {"options": [{"id": "a", "text": ""}, {"text": "x"}], "correct": 0},
            ("options", 0, "text"),
        ),
        (
            {"options": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], "correct": "a"},
            ("options", 1, "id"),
        ),
        (
            {"options": [{"id": "a b", "text": "x"}, {"text": "y"}], "correct": 0},
            ("options", 0, "id"),
        ),
        (
            {"options": [{"id": "a", "text": "x" * 1001}, {"text": "y"}], "correct": 0},
            ("options", 0, "text"),
        ),
        ({"options": CHOICES, "correct": "z"}, ("correct",)),
        ({"options": CHOICES, "correct": 7}, ("correct",)),
        ({"options": CHOICES, "correct": True}, ("correct",)),
        ({"options": ["Paris", "Lyon"], "correct": 0}, ("options", 0)),
    ],
)
def test_single_choice_spec_errors(spec, path):
    assert spec_error("single_choice", spec).path == path


def test_single_choice_ids_are_generated_and_named_by_index():
    spec = types.validate_spec(
        "single_choice", {"options": [{"text": " Paris "}, {"text": "Lyon"}], "correct": 0}
    )
    first, second = spec["options"]
    assert first["text"] == "Paris" and first["id"] and first["id"] != second["id"]
    assert spec["correct"] == first["id"]
    assert types.grade("single_choice", spec, {"choice": first["id"]}).fraction == 1
    assert types.grade("single_choice", spec, {"choice": second["id"]}).fraction == 0
    assert response_error("single_choice", spec, {"choice": "nope"}).path == ("choice",)
    assert types.validate_response("single_choice", spec, {}) == {"choice": None}


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"options": CHOICES, "correct": []}, ("correct",)),
        ({"options": CHOICES, "correct": "a"}, ("correct",)),
        ({"options": CHOICES, "correct": ["a", "a"]}, ("correct", 1)),
        ({"options": CHOICES, "correct": ["a", "q"]}, ("correct", 1)),
        ({"options": CHOICES, "correct": ["a"], "scoring": "generous"}, ("scoring",)),
    ],
)
def test_multiple_choice_spec_errors(spec, path):
    assert spec_error("multiple_choice", spec).path == path


@pytest.mark.parametrize(
    ("scoring", "chosen", "expected"),
    [
        ("all_or_nothing", ["a", "b"], 1),
        ("all_or_nothing", ["a"], 0),
        ("partial", ["a"], Fraction(1, 2)),
        ("partial", ["a", "c"], Fraction(1, 2) - 1),  # clamped below
        ("partial", ["a", "b", "c"], 0),
        ("right_minus_wrong", ["a", "b", "c"], Fraction(1, 2)),
        ("right_minus_wrong", ["a", "c"], 0),
        ("right_minus_wrong", ["a"], Fraction(1, 2)),
    ],
)
def test_multiple_choice_rules(scoring, chosen, expected):
    spec = types.validate_spec(
        "multiple_choice", {"options": CHOICES, "correct": ["a", "b"], "scoring": scoring}
    )
    assert types.grade("multiple_choice", spec, {"choices": chosen}).fraction == max(expected, 0)


def test_multiple_choice_response_errors_and_normalisation():
    spec = {"options": CHOICES, "correct": ["a"]}
    assert response_error("multiple_choice", spec, {"choices": "a"}).path == ("choices",)
    assert response_error("multiple_choice", spec, {"choices": ["a", "x"]}).path == ("choices", 1)
    valid = types.validate_spec("multiple_choice", spec)
    assert types.validate_response("multiple_choice", valid, {"choices": ["c", "a", "c"]}) == {
        "choices": ["a", "c"]
    }


def test_true_false():
    assert spec_error("true_false", {"correct": "yes"}).path == ("correct",)
    spec = types.validate_spec("true_false", {"correct": False})
    assert response_error("true_false", spec, {"value": "false"}).path == ("value",)
    assert types.grade("true_false", spec, {"value": False}).fraction == 1
    assert types.grade("true_false", spec, {"value": None}).fraction == 0
    assert types.grade("true_false", spec, {"value": 0}).fraction == 0
    assert types.learner_view("true_false", spec, shuffle_seed=3) == {}


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"answers": []}, ("answers",)),
        ({"answers": ["x"], "mode": "fuzzy"}, ("mode",)),
        ({"answers": [""]}, ("answers", 0)),
        ({"answers": ["(a+)+$"], "mode": "regex"}, ("answers", 0)),
        ({"answers": ["(x)\\1"], "mode": "regex"}, ("answers", 0)),
        ({"answers": ["a" * 201], "mode": "regex"}, ("answers", 0)),
        ({"answers": ["[unclosed"], "mode": "regex"}, ("answers", 0)),
        ({"answers": ["ten"], "mode": "numeric"}, ("answers", 0)),
        ({"answers": ["10"], "mode": "numeric", "tolerance": "-1"}, ("tolerance",)),
        ({"answers": ["10"], "mode": "numeric", "tolerance": 0.1}, ("tolerance",)),
        ({"answers": ["10"], "mode": "numeric", "tolerance": "lots"}, ("tolerance",)),
        ({"answers": ["x"] * 21}, ("answers",)),
    ],
)
def test_short_answer_spec_errors(spec, path):
    error = spec_error("short_answer", spec)
    assert error.path == path
    assert error.message and str(error)


@pytest.mark.parametrize(
    ("spec", "text", "right"),
    [
        ({"answers": ["Paris"]}, " Paris ", True),
        ({"answers": ["Paris"]}, "paris", False),
        ({"answers": ["Paris"], "mode": "casefold"}, "  PARIS ", True),
        ({"answers": ["Straße"], "mode": "casefold"}, "STRASSE", True),
        ({"answers": ["New York"], "mode": "casefold"}, "new\t\n york", True),
        ({"answers": ["colou?r"], "mode": "regex"}, "color", True),
        ({"answers": ["colou?r"], "mode": "regex"}, "colors", False),  # full match only
        ({"answers": ["(?i)paris"], "mode": "regex"}, "PARIS", True),
        ({"answers": ["3.14"], "mode": "numeric", "tolerance": "0.01"}, "3,15", True),
        ({"answers": ["3.14"], "mode": "numeric", "tolerance": "0.01"}, "3.151", False),
        ({"answers": ["1000"], "mode": "numeric"}, "1 000", True),
        ({"answers": ["1000"], "mode": "numeric"}, "1e3", False),
        ({"answers": ["2"], "mode": "numeric"}, "two", False),
        ({"answers": ["a"], "mode": "exact"}, "a" * 201, False),
    ],
)
def test_short_answer_modes(spec, text, right):
    valid = types.validate_spec("short_answer", spec)
    assert types.grade("short_answer", valid, {"text": text}).fraction == int(right)
    assert types.feedback_view("short_answer", valid, {"text": text})["right"] is right


def test_short_answer_response_is_capped():
    spec = {"answers": ["x"]}
    assert response_error("short_answer", spec, {"text": "x" * 201}).path == ("text",)
    assert response_error("short_answer", spec, {"text": 5}).path == ("text",)


@pytest.mark.parametrize(
    "pattern",
    ["(a+)+b", "(a*)*", "(a|aa)+", "(?:ab|cd)*x", "(a?)+", "(x)\\1", "(?P<n>x)(?P=n)", "a*b*c*d*"],
)
def test_unsafe_patterns_are_refused(pattern):
    assert regex_problem(pattern) is not None


@pytest.mark.parametrize("pattern", ["\\d+(\\.\\d+)?", "colou?r", "[A-Z]{2}\\d{3}", "(?i)yes|no"])
def test_safe_patterns_pass(pattern):
    assert regex_problem(pattern) is None


def test_helpers():
    assert fold("  ＡＢＣ\u00a0 d ") == "abc d"
    assert parse_number("-1,5") == parse_number("-1.5")
    assert parse_number("1,000.5") is None
    assert parse_number("NaN") is None


def test_essay():
    assert spec_error("essay", {"min_words": -1}).path == ("min_words",)
    assert spec_error("essay", {"max_words": "ten"}).path == ("max_words",)
    assert spec_error("essay", {"min_words": 20, "max_words": 10}).path == ("min_words",)
    spec = types.validate_spec("essay", {"max_words": 3, "rubric": "Clarity"})
    assert spec == {"min_words": 0, "max_words": 3, "rubric": "Clarity"}
    assert response_error("essay", spec, {"text": "one two three four"}).path == ("text",)
    assert types.grade("essay", spec, {"text": "one"}) == types.Grade(None, True)
    assert types.learner_view("essay", spec, shuffle_seed=None) == {"min_words": 0, "max_words": 3}
    assert types.feedback_view("essay", spec, {"text": "a b"})["words"] == 2
    assert not types.is_auto_graded("essay") and types.is_auto_graded("matching")


MATCHING = {
    "prompts": [{"id": "fr", "text": "France"}, {"id": "de", "text": "Germany"}],
    "answers": [
        {"id": "p", "text": "Paris"},
        {"id": "b", "text": "Berlin"},
        {"id": "r", "text": "Rome"},
    ],
    "pairs": {"fr": "p", "de": "b"},
}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"pairs": {"fr": "p"}}, ("pairs", "de")),
        ({"pairs": {"fr": "p", "de": "b", "it": "r"}}, ("pairs", "it")),
        ({"pairs": {"fr": "p", "de": "zz"}}, ("pairs", "de")),
        ({"pairs": []}, ("pairs",)),
        ({"prompts": [{"id": "fr", "text": "France"}]}, ("prompts",)),
    ],
)
def test_matching_spec_errors(change, path):
    assert spec_error("matching", {**MATCHING, **change}).path == path


def test_matching_grading_and_views():
    spec = types.validate_spec("matching", MATCHING)
    assert types.grade("matching", spec, {"pairs": {"fr": "p", "de": "r"}}).fraction == Fraction(
        1, 2
    )
    assert response_error("matching", spec, {"pairs": {"xx": "p"}}).path == ("pairs", "xx")
    assert response_error("matching", spec, {"pairs": {"fr": "zz"}}).path == ("pairs", "fr")
    view = types.learner_view("matching", spec, shuffle_seed=1)
    assert "pairs" not in view
    feedback = types.feedback_view("matching", spec, {"pairs": {"fr": "p", "de": "r"}})
    assert [row["right"] for row in feedback["prompts"]] == [True, False]
    assert feedback["prompts"][1]["correct_text"] == "Berlin"
    form = MultiDict([("pair-fr", "p"), ("pair-de", "")])
    assert types.response_from_form("matching", view, form, "") == {"pairs": {"fr": "p"}}


def test_ordering():
    items = [{"id": x, "text": x.upper()} for x in ("a", "b", "c", "d")]
    assert spec_error("ordering", {"items": items[:1]}).path == ("items",)
    spec = types.validate_spec("ordering", {"items": items})
    assert response_error("ordering", spec, {"order": ["a", "b", "c"]}).path == ("order",)
    assert response_error("ordering", spec, {"order": ["a", "b", "c", "x"]}).path == ("order", 3)
    assert response_error("ordering", spec, {"order": "abcd"}).path == ("order",)
    # absolute positions: a one-step rotation puts nothing in place
    assert types.grade("ordering", spec, {"order": ["b", "c", "d", "a"]}).fraction == 0
    assert types.grade("ordering", spec, {"order": ["a", "b", "d", "c"]}).fraction == Fraction(1, 2)
    for seed in (None, 0, 1, 2, 3):
        view = types.learner_view("ordering", spec, shuffle_seed=seed)
        assert [i["id"] for i in view["items"]] != ["a", "b", "c", "d"]
    form = MultiDict([("position-a", "2"), ("position-b", "1"), ("position-c", "x")])
    view = {"items": items}
    assert types.response_from_form("ordering", view, form, "") == {"order": ["b", "a", "c", "d"]}


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"text": "No blanks here.", "blanks": {}}, ("text",)),
        ({"text": "[[1]] and [[1]]", "blanks": {"1": {"answers": ["x"]}}}, ("text",)),
        ({"text": "[[1]] and [[2]]", "blanks": {"1": {"answers": ["x"]}}}, ("blanks", "2")),
        (
            {"text": "[[1]]", "blanks": {"1": {"answers": ["x"]}, "9": {"answers": ["y"]}}},
            ("blanks", "9"),
        ),
        ({"text": "[[1]]", "blanks": {"1": {"answers": []}}}, ("blanks", "1", "answers")),
        (
            {"text": "[[1]]", "blanks": {"1": {"answers": ["x"], "mode": "??"}}},
            ("blanks", "1", "mode"),
        ),
        ({"text": "[[1]]", "blanks": {"1": "x"}}, ("blanks", "1")),
        ({"text": "", "blanks": {}}, ("text",)),
    ],
)
def test_fill_blanks_spec_errors(spec, path):
    assert spec_error("fill_blanks", spec).path == path


def test_fill_blanks_grading_and_views():
    spec = types.validate_spec(
        "fill_blanks",
        {
            "text": "The capital of France is [[1]] and 2+2 is [[2]].",
            "blanks": {"1": {"answers": ["Paris"]}, "2": {"answers": ["4"], "mode": "numeric"}},
        },
    )
    assert spec["blanks"]["1"]["mode"] == "casefold"  # the default for blanks
    assert types.grade(
        "fill_blanks", spec, {"blanks": {"1": "paris", "2": "5"}}
    ).fraction == Fraction(1, 2)
    assert response_error("fill_blanks", spec, {"blanks": {"3": "x"}}).path == ("blanks", "3")
    assert response_error("fill_blanks", spec, {"blanks": {"1": 4}}).path == ("blanks", "1")
    view = types.learner_view("fill_blanks", spec, shuffle_seed=None)
    assert view["segments"][1] == {"blank": "1"}
    assert "Paris" not in str(view)
    feedback = types.feedback_view("fill_blanks", spec, {"blanks": {"1": "Paris"}})
    assert feedback["blanks"]["1"]["right"] and not feedback["blanks"]["2"]["right"]


def test_choice_views_shuffle_only_with_a_seed_and_hide_the_key():
    options = [{"id": f"o{i}", "text": f"Option {i}"} for i in range(8)]
    spec = types.validate_spec("single_choice", {"options": options, "correct": "o3"})
    assert types.learner_view("single_choice", spec, shuffle_seed=None) == {"options": options}
    orders = {
        tuple(o["id"] for o in types.learner_view("single_choice", spec, shuffle_seed=s)["options"])
        for s in range(5)
    }
    assert len(orders) > 1
    feedback = types.feedback_view("single_choice", spec, {"choice": "o1"})
    assert feedback["right"] is False
    assert [o["id"] for o in feedback["options"] if o["correct"]] == ["o3"]
    assert [o["id"] for o in feedback["options"] if o["chosen"]] == ["o1"]


def test_grade_is_tolerant_of_stale_responses():
    spec = types.validate_spec("multiple_choice", {"options": CHOICES, "correct": ["a"]})
    assert types.grade("multiple_choice", spec, {"choices": ["gone", "a"]}).fraction == 1
    assert types.grade("multiple_choice", spec, "garbage").fraction == 0
    assert (
        types.grade(
            "ordering", types.validate_spec("ordering", {"items": CHOICES}), {"order": 5}
        ).fraction
        == 0
    )


def test_errors_translate_with_their_parameters():
    error = spec_error("short_answer", {"answers": ["x"] * 21})
    assert error.translate(lambda message, **params: message % params) == "At most 20 entries."
    assert error.params == {"limit": 20}


def test_response_from_form_never_raises_on_junk():
    for question_type in types.TYPES:
        assert isinstance(types.response_from_form(question_type, {}, MultiDict(), "q-"), dict)
    assert types.response_from_form("true_false", {}, {"value": "maybe"}) == {"value": None}
