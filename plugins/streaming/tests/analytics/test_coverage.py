"""The coverage mask helpers (pure arithmetic)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from learninghub_streaming.analytics import services as s


def test_range_marks_floor_to_ceil_minus_one():
    assert s.bucket_range(0, 100, 100) == (0, 99)
    assert s.bucket_range(10.5, 20.5, 100) == (10, 20)
    assert s.bucket_range(10, 20, 100) == (10, 19)  # [10, 20) ends before bucket 20
    assert s.bucket_range(0, 0.01, 100) == (0, 0)
    # beyond the duration (players end loosely): clamped to the last bucket
    assert s.bucket_range(99.5, 101, 100) == (99, 99)
    assert s.bucket_range(100, 101, 100) == (99, 99)
    # nothing to mark
    assert s.bucket_range(5, 5, 100) is None
    assert s.bucket_range(0, 1, 0) is None


def test_float_noise_does_not_move_a_boundary():
    # 100 × 0.6 / 3 is 20.000000000000004 in binary floating point
    assert s.bucket_range(0.3, 0.6, 3.0) == (10, 19)
    assert s.range_mask(0.3, 0.6, 3.0) == sum(1 << i for i in range(10, 20))


def test_masks_round_trip_as_hexadecimal():
    assert s.format_mask(0) == "0"
    mask = s.ranges_mask([(0, 1), (99, 100)], 100)
    assert mask == 1 | (1 << 99)
    assert s.format_mask(mask) == "8000000000000000000000001"
    assert s.parse_mask("8000000000000000000000001") == mask
    assert s.percent_of(mask) == 2
    assert s.percent_of(s.ranges_mask([(0, 100)], 100)) == 100
    assert len(s.format_mask(s.FULL)) == 25
    assert s.parse_mask("not hex") == 0 and s.parse_mask("") == 0


def test_curve_buckets():
    assert [s.curve_bucket(k) for k in range(21)] == [*range(0, 100, 5), 99]


@given(
    st.floats(0, 1000, allow_nan=False),
    st.floats(0, 1000, allow_nan=False),
    st.floats(0.5, 1000, allow_nan=False),
)
def test_a_range_marks_exactly_the_buckets_it_overlaps(a, b, duration):
    start, end = min(a, b), max(a, b)
    mask = s.range_mask(start, end, duration)
    for i in range(100):
        lo, hi = i * duration / 100, (i + 1) * duration / 100
        overlaps = start < end and start < hi and end > lo
        if i == 99:
            overlaps = overlaps or (end > start and start >= hi)  # clamped past the end
        # a boundary within float noise of the range's end may go either way
        near = min(abs(end - lo), abs(start - hi)) < 1e-6 * max(duration, 1)
        if not near:
            assert s.has_bucket(mask, i) == overlaps, (i, start, end, duration)
