"""Durations for people, in the visitor's language (CLDR units through Babel)."""

from __future__ import annotations

import pytest
from babel import Locale

from learninghub_media.display import format_duration, format_duration_filter


@pytest.mark.parametrize(
    ("seconds", "en", "es", "ar"),
    [
        (4, "4 sec", "4 s", "4 ث"),
        (59, "59 sec", "59 s", "59 ث"),
        (60, "1 min", "1 min", "1 د"),
        (200, "3 min 20 sec", "3 min 20 s", "3 د و20 ث"),
        (3599, "59 min 59 sec", "59 min 59 s", "59 د و59 ث"),
        (3600, "1 hr", "1 h", "1 س"),
        (3629, "1 hr", "1 h", "1 س"),  # from an hour on: to the minute
        (3631, "1 hr 1 min", "1 h 1 min", "1 س و1 د"),
        (45000, "12 hr 30 min", "12 h 30 min", "12 س و30 د"),
    ],
)
def test_short_durations_show_seconds_long_ones_hours(seconds, en, es, ar):
    assert format_duration(seconds, "en") == en
    assert format_duration(seconds, Locale.parse("es")) == es
    assert format_duration(seconds, "ar") == ar


def test_unknown_or_empty_durations_show_nothing():
    for value in (None, 0, -3, 0.2, "abc"):
        assert format_duration(value, "en") == ""
    assert format_duration("90", "en") == "1 min 30 sec"


def test_the_filter_follows_the_render_locale(registry):
    env = registry["templates"].environment(None, None)
    assert env.filters["format_duration"] is format_duration_filter
    template = env.from_string("{{ s|format_duration }}")
    assert template.render(s=4, locale=Locale.parse("es")) == "4 s"
    assert template.render(s=4) == "4 sec"  # no locale in the context: English
