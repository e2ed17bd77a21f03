"""Dates and times typed by editors (``<input type="datetime-local">``): shown and read
in the editor's time zone (``request.timezone``: theirs, else the tenant's, else UTC),
stored as aware UTC datetimes. Used by the assignment editor (due date) and the quiz
settings (opening and due dates).

A form field is read with :func:`read_local`: a field posted back unchanged keeps the
stored value exactly (seconds the field does not show included), a time the zone skips
(clocks going forward) is refused with :class:`NonexistentTime`, a time the clocks pass
twice is read as its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class NonexistentTime(ValueError):
    """A wall-clock time the time zone skips (the clocks go forward then)."""


def zone_name(tz: tzinfo) -> str:
    """The name of ``tz`` to show next to a field (``Europe/Madrid``)."""
    return getattr(tz, "key", None) or str(tz)


def local_input(value: datetime | None, tz: tzinfo) -> str:
    """A UTC time as the value of a ``datetime-local`` input in ``tz`` (seconds shown
    only when there are some, so that an unchanged field posts back the same time)."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    return local.strftime(LOCAL_FORMAT + (":%S" if local.second else ""))


def parse_local(raw: str, tz: tzinfo) -> datetime | None:
    """The ``datetime-local`` value ``raw`` (wall-clock time in ``tz``; an explicit
    offset is honoured) as an aware UTC datetime; None when empty. ``ValueError`` when
    it is not a date and time, :class:`NonexistentTime` when ``tz`` skips it. A time
    the clocks pass twice is read as its first occurrence."""
    raw = (raw or "").strip()
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    local = parsed.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != parsed:
        raise NonexistentTime(raw)
    return local.astimezone(UTC)


def read_local(raw: str, tz: tzinfo, current: datetime | None) -> datetime | None:
    """The field's value ``raw`` as :func:`parse_local` reads it, except that a field
    showing ``current`` unchanged (as :func:`local_input` wrote it) gives ``current``
    itself: saving a form does not move a stored time. Raises as :func:`parse_local`."""
    raw = (raw or "").strip()
    if current is not None and raw == local_input(current, tz):
        return current
    return parse_local(raw, tz)


def nonexistent_time_message(request) -> str:
    """The message shown next to a field holding a time the zone skips."""
    return request.gettext(
        "This time does not exist in your time zone (the clocks go forward then): "
        "choose another one."
    )
