"""Demo content of the streaming plugin (``learninghub demo``, idempotent): every demo
video and audio lesson gets its stream queued (the upload's event would too, a moment
later), the videos an English caption track, and each lesson's media is allowed for
offline download. The transcodes themselves run as tasks after the demo's commit."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.identity import User


def _demo_vtt(duration: float) -> str:
    cues = [
        (0.0, 2.0, "Welcome to this lesson."),
        (2.0, 4.0, "Read a little, watch a little, then practise."),
        (4.0, 6.0, "Use the menu to change the speed, the quality or these captions."),
    ]
    lines = ["WEBVTT", ""]
    for start, end, text in cues:
        if start >= duration:
            break
        end = min(end, duration)
        lines += [f"00:00:{start:06.3f} --> 00:00:{end:06.3f}", text, ""]
    return "\n".join(lines)


def _as(request, user):
    """The same tenant, transaction and session, acting as ``user`` (the caption's
    author)."""
    from learninghub.tasks import make_tenant_request

    sub = make_tenant_request(request.registry, request.tenant, request.tm)
    sub.__dict__["db"] = request.db
    sub.__dict__["_lh_identity"] = user
    return sub


def seed(request) -> None:
    from learninghub_content.models import Lesson, LessonVersion
    from learninghub_media import services as media

    from .captions import services as captions
    from .downloads import services as downloads
    from .transcoding import services as transcoding

    db = request.db
    instructor = db.scalar(sa.select(User).where(User.email == "instructor@demo.example"))
    rows = db.execute(
        sa.select(Lesson.type, LessonVersion.media_asset_id)
        .join(LessonVersion, LessonVersion.id == Lesson.published_version_id)
        .where(Lesson.type.in_(("video", "audio")), LessonVersion.media_asset_id.is_not(None))
        .distinct()
    ).all()
    for lesson_type, asset_id in rows:
        asset = media.get_asset(db, asset_id)
        if asset is None or not asset.is_ready or not transcoding.is_streamable(asset):
            continue
        stream, _ = transcoding.ensure_stream(request, asset)
        if lesson_type == "video" and not captions.has_tracks(request, asset.id):
            captions.create(
                _as(request, instructor),
                asset,
                language="en",
                kind="captions",
                label="English",
                webvtt=_demo_vtt(float(asset.duration_s or 5)),
            )
        if not stream.downloadable:
            downloads.set_allowed(request, stream, True)
