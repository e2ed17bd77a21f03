"""Viewing analytics of streams (docs/plugins/streaming-analytics.md).

* **Coverage**: a view's set of 1 %-buckets of the duration ``D`` played, a 100-bit
  mask stored in hexadecimal (bucket ``i`` is bit ``i``). A played range ``[a, b)``
  marks the buckets ⌊100a/D⌋ … ⌈100b/D⌉−1, clamped to 0 … 99.
* **Heartbeats** (:func:`record_heartbeat`): the player reports the spans played since
  its previous beat; the view row accumulates them; a lesson's beat by an enrolled
  learner records the position and, once the union of the learner's coverage of the
  stream in that lesson reaches ``complete_percent``, completes the lesson.
* **Stats** (:func:`stream_stats`): views, unique viewers, watch time, completion rate
  and the drop-off curve, over the rows of one stream.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError
from learninghub.db import utcnow

from ..playback.access import MANAGE, Scope
from .models import BUCKETS, View

PLUGIN = "streaming"
#: at most this many ranges in one beat
MAX_RANGES = 20
#: a range or the position may end this far past the probed duration: the player
#: reports the HLS media's own duration, a little longer than the probe's at times
#: (the position is stored clamped to the duration)
END_SLACK_S = 1.0
#: the ranges of one beat may hold 2 × the wall time since the previous beat + this
BUDGET_SLACK_S = 5.0
#: the drop-off curve's points: every 5 % of the duration, k = 0 … 20
CURVE_POINTS = 21
CURVE_STEP = 5
FULL = (1 << BUCKETS) - 1
#: decimals kept of 100·t/D before ⌊⌋ and ⌈⌉, so that 0.3 s of 3 s is bucket 10
#: exactly (binary floating point gives 10.000000000000002)
_ROUND = 9


# ----------------------------------------------------------------- coverage masks


def bucket_range(start_s: float, end_s: float, duration_s: float) -> tuple[int, int] | None:
    """The first and last bucket a played range ``[start_s, end_s)`` marks, or None
    when it marks none (empty range, no duration)."""
    if not duration_s or duration_s <= 0 or end_s <= start_s:
        return None
    first = math.floor(round(BUCKETS * start_s / duration_s, _ROUND))
    last = math.ceil(round(BUCKETS * end_s / duration_s, _ROUND)) - 1
    first = min(max(first, 0), BUCKETS - 1)
    last = min(max(last, 0), BUCKETS - 1)
    if last < first:
        return None
    return first, last


def range_mask(start_s: float, end_s: float, duration_s: float) -> int:
    """The coverage mask (an int, bit i = bucket i) of one played range."""
    span = bucket_range(start_s, end_s, duration_s)
    if span is None:
        return 0
    first, last = span
    return ((1 << (last - first + 1)) - 1) << first


def ranges_mask(ranges: Iterable[Sequence[float]], duration_s: float) -> int:
    mask = 0
    for start, end in ranges:
        mask |= range_mask(start, end, duration_s)
    return mask


def parse_mask(text: str | None) -> int:
    """A stored coverage (hexadecimal) as an int; anything malformed counts as empty."""
    try:
        return int(text or "0", 16) & FULL
    except ValueError:
        return 0


def format_mask(mask: int) -> str:
    """The stored form of a mask: lowercase hexadecimal without leading zeros
    (``"0"`` when empty; at most 25 digits)."""
    return format(mask & FULL, "x")


def percent_of(mask: int) -> int:
    """How many buckets (= percent of the duration) the mask holds."""
    return (mask & FULL).bit_count()


def has_bucket(mask: int, bucket: int) -> bool:
    return bool((mask >> bucket) & 1)


def curve_bucket(k: int) -> int:
    """The bucket read for the curve's point k (0 … 20): min(5k, 99)."""
    return min(CURVE_STEP * k, BUCKETS - 1)


# ----------------------------------------------------------------- heartbeats


@dataclass(frozen=True)
class BeatResult:
    """What a heartbeat answers: the position stored, the share of the stream (in
    percent) covered by the user's views of it in this scope, and whether the lesson
    is now completed for the user (False outside a lesson or without an enrolment)."""

    position_s: float
    watched_percent: int
    lesson_completed: bool


def _invalid(path: list, message: str, type_: str = "value_error") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        message,
        errors=[{"path": ["body", *path], "message": message, "type": type_}],
    )


def check_beat(
    duration_s: float,
    position_s: float,
    ranges: Sequence[Sequence[float]],
    budget_s: float,
) -> float:
    """Validate a beat against the stream and the wall time: raise a 422 naming the
    first problem; return the seconds played (the sum of the ranges)."""
    limit = duration_s + END_SLACK_S
    if position_s > limit:
        raise _invalid(
            ["position_s"],
            f"the position ({position_s:g} s) is past the end of the media ({duration_s:g} s "
            f"+ {END_SLACK_S:g} s)",
        )
    total = 0.0
    for i, (start, end) in enumerate(ranges):
        if not (0 <= start < end <= limit):
            raise _invalid(
                ["ranges", i],
                f"a range must satisfy 0 ≤ start < end ≤ {limit:g} s (the duration + "
                f"{END_SLACK_S:g} s); got [{start:g}, {end:g}]",
            )
        total += end - start
    if total > budget_s:
        raise _invalid(
            ["ranges"],
            f"the ranges hold {total:g} s of play, more than the {budget_s:g} s possible "
            "since the view's previous heartbeat",
            "too_much_play",
        )
    return total


def budget_for(previous_beat: datetime | None, heartbeat_seconds: int, now: datetime) -> float:
    """Seconds of play one beat may report: 2 × the wall time since the view's
    previous beat + 5 s (the first beat of a view: 2 × ``heartbeat_seconds`` + 5 s)."""
    if previous_beat is None:
        return 2.0 * heartbeat_seconds + BUDGET_SLACK_S
    elapsed = max(0.0, (now - previous_beat).total_seconds())
    return 2.0 * elapsed + BUDGET_SLACK_S


def view_conflict(detail: str) -> ProblemError:
    return ProblemError(409, "Conflict", detail)


def _locked_view(db, view_id: uuid.UUID) -> View | None:
    return db.scalar(
        sa.select(View)
        .where(View.id == view_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_owner(view: View | None, request, stream, lesson_id) -> View:
    if view is None or view.user_id != request.identity.id or view.stream_id != stream.id:
        raise view_conflict("this view id belongs to another viewer or stream: make a new one")
    if view.lesson_id != lesson_id:
        raise view_conflict("this view id belongs to another scope: make a new one")
    return view


def _add_play(view: View, mask: int, played: float, position_s: float, now: datetime) -> None:
    view.coverage = format_mask(parse_mask(view.coverage) | mask)
    view.watched_s = float(view.watched_s or 0.0) + played
    view.position_s = float(position_s)
    view.last_beat_at = now


def _insert_view(request, stream, scope: Scope, view_id, mask, played, position_s, now) -> View:
    """A new view row holding its first beat, inserted in a savepoint: when the id
    exists after all (a concurrent first beat of the same view committed it first),
    the beat is added to that row instead (409 if it is another user's, stream's or
    scope's — or another tenant's, which the tenant filter hides)."""
    db = request.db
    view = View(
        id=view_id,
        stream_id=stream.id,
        lesson_id=scope.lesson_id,
        user_id=request.identity.id,
        started_at=now,
        position_s=float(position_s),
        watched_s=played,
        coverage=format_mask(mask),
        last_beat_at=now,
    )
    try:
        with db.begin_nested():
            db.add(view)
            db.flush()
    except IntegrityError:
        if view in db:
            db.expunge(view)
        existing = _check_owner(_locked_view(db, view_id), request, stream, scope.lesson_id)
        _add_play(existing, mask, played, position_s, now)
        db.flush()
        return existing
    return view


def _union_coverage(db, user_id, stream_id, lesson_id) -> int:
    """The union of the coverage of the user's views of the stream in one lesson (or,
    for ``lesson_id`` None, outside any lesson)."""
    where = [View.user_id == user_id, View.stream_id == stream_id]
    where.append(View.lesson_id.is_(None) if lesson_id is None else View.lesson_id == lesson_id)
    mask = 0
    for text in db.scalars(sa.select(View.coverage).where(*where).distinct()):
        mask |= parse_mask(text)
    return mask


def record_heartbeat(
    request,
    stream,
    scope: Scope,
    view_id: uuid.UUID,
    position_s: float,
    ranges: Sequence[Sequence[float]],
) -> BeatResult:
    """Record one heartbeat of the request's user watching ``stream`` (ready, with a
    duration) in ``scope`` (:func:`learninghub_streaming.playback.access.resolve`
    said so). Raises 422 (a range outside the media, more play than wall time allows)
    and 409 (the view id is another user's, stream's or scope's)."""
    settings = request.plugin_settings(PLUGIN)
    duration = float(stream.duration_s or 0.0)
    now = utcnow()
    db = request.db
    view = _locked_view(db, view_id)
    previous = None
    if view is not None:
        previous = _check_owner(view, request, stream, scope.lesson_id).last_beat_at
    played = check_beat(
        duration, position_s, ranges, budget_for(previous, settings.heartbeat_seconds, now)
    )
    added = ranges_mask(ranges, duration)
    position_s = min(float(position_s), duration)
    if view is None:
        view = _insert_view(request, stream, scope, view_id, added, played, position_s, now)
    else:
        _add_play(view, added, played, position_s, now)
        db.flush()
    mask = parse_mask(view.coverage)

    union = mask
    if percent_of(mask) < BUCKETS:  # a full view needs no other
        union |= _union_coverage(request.db, view.user_id, stream.id, scope.lesson_id)
    watched = percent_of(union)
    completed = False
    if scope.name != MANAGE and scope.lesson is not None and scope.lesson.is_published:
        completed = _record_progress(request, scope, position_s, watched, settings)
    return BeatResult(float(position_s), watched, completed)


def _record_progress(request, scope: Scope, position_s: float, watched: int, settings) -> bool:
    from learninghub_content import services as content
    from learninghub_enrollment import services as enrollment

    active = enrollment.active_enrollment(request, scope.course)
    if active is None:
        return False
    complete = watched >= settings.complete_percent and not content.completed_by_owner(
        request, scope.lesson
    )
    row = enrollment.record_progress(
        request, active, scope.lesson, completed=True if complete else None,
        position_s=int(position_s),
    )  # fmt: skip
    return row.completed_at is not None


# ----------------------------------------------------------------- stats


@dataclass(frozen=True)
class CurvePoint:
    """Point k of the drop-off curve: at ``at_percent`` = 5k % of the duration, the
    ``views`` whose coverage holds bucket ``bucket`` = min(5k, 99), and their
    ``share`` of all views (0 … 1; 0 without views)."""

    at_percent: int
    bucket: int
    views: int
    share: float


@dataclass(frozen=True)
class Stats:
    """The viewing figures of one stream (definitions in the module's docstring and
    docs/plugins/streaming-analytics.md)."""

    views: int
    unique_viewers: int
    total_watch_s: float
    average_watch_s: float
    completed_views: int
    completion_rate: float
    complete_percent: int
    curve: list[CurvePoint] = field(default_factory=list)


def stream_stats(db, stream, complete_percent: int = 90) -> Stats:
    """The stream's figures over its views (``streaming_views`` rows):

    * ``views``: rows; ``unique_viewers``: distinct users;
    * ``total_watch_s``: the sum of ``watched_s``; ``average_watch_s``: total / views;
    * ``completion_rate``: the share of views whose coverage holds at least
      ``complete_percent`` buckets;
    * ``curve``: for k = 0 … 20, the share of views whose coverage holds bucket
      min(5k, 99).

    Two queries whatever the number of views: the sums in SQL, then the coverage
    masks grouped by value (many views share one: the whole media, say)."""
    totals = db.execute(
        sa.select(
            sa.func.count(View.id),
            sa.func.count(sa.distinct(View.user_id)),
            sa.func.coalesce(sa.func.sum(View.watched_s), 0.0),
        ).where(View.stream_id == stream.id)
    ).one()
    views, unique, total = int(totals[0]), int(totals[1]), float(totals[2] or 0.0)
    hits = [0] * CURVE_POINTS
    completed = 0
    if views:
        rows = db.execute(
            sa.select(View.coverage, sa.func.count())
            .where(View.stream_id == stream.id)
            .group_by(View.coverage)
        )
        for text, count in rows:
            mask = parse_mask(text)
            if percent_of(mask) >= complete_percent:
                completed += count
            for k in range(CURVE_POINTS):
                if has_bucket(mask, curve_bucket(k)):
                    hits[k] += count
    curve = [
        CurvePoint(CURVE_STEP * k, curve_bucket(k), hits[k], hits[k] / views if views else 0.0)
        for k in range(CURVE_POINTS)
    ]
    return Stats(
        views=views,
        unique_viewers=unique,
        total_watch_s=total,
        average_watch_s=total / views if views else 0.0,
        completed_views=completed,
        completion_rate=completed / views if views else 0.0,
        complete_percent=complete_percent,
        curve=curve,
    )


def stats_for(request, stream) -> Stats:
    """:func:`stream_stats` with the tenant's ``complete_percent``."""
    return stream_stats(request.db, stream, request.plugin_settings(PLUGIN).complete_percent)
