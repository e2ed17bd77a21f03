"""Fixtures of the captions tests: a published course whose one video lesson uses a
media asset, its instructor, an enrolled learner, an outsider (a learner of the same
tenant, not enrolled), the asset's uploader (not staff) and another tenant's admin.
The kernel's pytest plugin brings ``client``, ``page_browser``, ``tenant``...; the
enrollment plugin's ``make_course`` and ``enrol_directly``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow

SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <b>there</b>\r\nsecond line\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n"
)
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFirst\n\n00:00:03.000 --> 00:00:05.000\nSecond\n"


@pytest.fixture
def make_asset(db):
    """``make_asset(tenant, owner=None, content_type="video/mp4", duration_s=60)``."""
    from learninghub_media.models import MediaAsset

    def make(tenant, owner=None, content_type="video/mp4", duration_s=60):
        asset = MediaAsset(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            owner_id=owner.id if owner else None,
            filename="clip.mp4",
            content_type=content_type,
            size=10,
            sha256="0" * 64,
            storage_key=f"test/{uuid.uuid4().hex}",
            status="ready",
            duration_s=duration_s,
            created_at=utcnow(),
        )
        db.add(asset)
        db.flush()
        return asset

    return make


@dataclass
class World:
    tenant: Any
    other_tenant: Any
    instructor: Any
    learner: Any
    outsider: Any
    uploader: Any
    foreign_admin: Any
    course: Any
    lesson: Any
    asset: Any


@pytest.fixture
def world(db, tenant, other_tenant, user_factory, make_course, make_asset, enrol_directly):
    from learninghub_content.models import LessonVersion

    instructor = user_factory(tenant, "instructor")
    uploader = user_factory(tenant, "instructor")
    setup = make_course(tenant, lessons=1, instructor=instructor, lesson_types=["video"])
    asset = make_asset(tenant, owner=uploader)
    lesson = setup.lessons[0]
    version = db.scalar(sa.select(LessonVersion).where(LessonVersion.lesson_id == lesson.id))
    version.media_asset_id = asset.id
    db.flush()
    learner = user_factory(tenant, "learner")
    enrol_directly(tenant, setup, learner)
    return World(
        tenant,
        other_tenant,
        instructor,
        learner,
        user_factory(tenant, "learner"),
        uploader,
        user_factory(other_tenant, "admin"),
        setup.course,
        lesson,
        asset,
    )


@pytest.fixture
def upload(client):
    """``upload(world, user=None, **body)``: POST a track as JSON (default: the VTT
    above, English subtitles) by the instructor; returns the response."""

    def post(world: World, user=None, **body):
        data = {"language": "en", "text": VTT, **body}
        return client(world.tenant, user or world.instructor).post_json(
            f"/api/v1/media/{world.asset.id}/captions", data
        )

    return post
