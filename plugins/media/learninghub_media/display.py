"""Durations for people: "4 sec", "3 min 20 sec", "1 hr 5 min" in the visitor's locale.

The unit names and the way two of them are joined come from CLDR through Babel
(``duration-*`` units, the ``unit-narrow`` list pattern), so every locale Babel
knows is covered without translators: Spanish "3 min 20 s", Arabic "3 د و20 ث".
Under a minute the seconds are shown; under an hour minutes and seconds; from an
hour on hours and minutes (rounded to the minute: a course's total does not need
its seconds).

The kernel's templates get the filter ``format_duration`` (registered by this
plugin, which measures durations): ``{{ lesson.duration_s|format_duration }}``.
"""

from __future__ import annotations

import functools

import jinja2
from babel import Locale
from babel.numbers import format_decimal
from babel.units import format_unit

_LENGTH = "short"


def _unit(value: int, name: str, locale: Locale) -> str:
    """``value`` hours, minutes or seconds ("3 min"). Babel's ``format_unit`` would
    take a plural form the short pattern lacks from the long one (Spanish "1 horas"
    beside "2 h"): the locale's own short forms are used, else its "other"."""
    unit = f"duration-{name}"
    try:
        patterns = locale._data["unit_patterns"][unit][_LENGTH]
        own = set(patterns)  # iteration lists the locale's own keys, not inherited ones
        form = locale.plural_form(value)
        pattern = patterns[form] if form in own else patterns["other"]
        return pattern.format(format_decimal(value, locale=locale))
    except (KeyError, TypeError, AttributeError):
        return format_unit(value, unit, length=_LENGTH, locale=locale)


def _join(first: str, second: str, locale: Locale) -> str:
    patterns = locale.list_patterns.get("unit-narrow") or {}
    # some locales only give the "end" pattern; a pair then uses it
    pattern = patterns.get("2") or patterns.get("end") or "{0} {1}"
    return pattern.format(first, second)


def format_duration(seconds: int | float | None, locale: Locale | str = "en") -> str:
    """``seconds`` as a short localized duration, or "" when unknown or not positive."""
    if seconds is None:
        return ""
    try:
        total = int(round(float(seconds)))
    except (TypeError, ValueError):
        return ""
    if total <= 0:
        return ""
    return _format_seconds(total, str(locale))


@functools.lru_cache(maxsize=4096)
def _format_seconds(total: int, locale_name: str) -> str:
    """Cached: a syllabus shows many durations, and they repeat across pages."""
    locale = Locale.parse(locale_name)

    def unit(value: int, name: str) -> str:
        return _unit(value, name, locale)

    if total < 60:
        return unit(total, "second")
    if total < 3600:
        minutes, rest = divmod(total, 60)
        parts = [unit(minutes, "minute")] + ([unit(rest, "second")] if rest else [])
    else:
        hours, minutes = divmod((total + 30) // 60, 60)
        parts = [unit(hours, "hour")] + ([unit(minutes, "minute")] if minutes else [])
    return _join(*parts, locale) if len(parts) == 2 else parts[0]


@jinja2.pass_context
def format_duration_filter(ctx, seconds: int | float | None) -> str:
    """The template filter: the render context's ``locale`` (the request's)."""
    locale = ctx.get("locale")
    return format_duration(seconds, locale if isinstance(locale, Locale) else "en")
