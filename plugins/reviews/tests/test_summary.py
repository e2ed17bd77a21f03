"""The rating summary's arithmetic (property-based)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from learninghub_reviews.services import summarize

ratings = st.lists(st.integers(1, 5), max_size=300)


@given(ratings)
def test_summary_is_the_mean_of_the_ratings(values):
    counts = {r: values.count(r) for r in set(values)}
    s = summarize(counts)
    assert s.count == len(values)
    assert sum(s.distribution.values()) == s.count
    assert s.distribution == {r: values.count(r) for r in range(1, 6)}
    if values:
        assert abs(s.average - sum(values) / len(values)) <= 0.005
        assert min(values) <= s.average <= max(values)
        assert abs(sum(s.share(r) for r in range(1, 6)) - 1) < 1e-9
    else:
        assert s.average == 0 and s.share(5) == 0


@given(ratings, st.integers(1, 5))
def test_one_more_review_moves_the_average_towards_it(values, extra):
    before = summarize({r: values.count(r) for r in set(values)})
    after = summarize({r: (values + [extra]).count(r) for r in set(values + [extra])})
    assert after.count == before.count + 1
    if values:
        lower, upper = sorted((before.average, float(extra)))
        assert lower - 0.01 <= after.average <= upper + 0.01


def test_ratings_outside_one_to_five_are_ignored():
    assert summarize({0: 3, 6: 1, 5: 1}).as_dict() == {
        "count": 1,
        "average": 5.0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
    }
