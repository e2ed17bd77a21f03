"""Fixtures of the downloads tests: a published course whose video lesson uses a media
asset with a ready stream, its instructor, an enrolled learner, a second enrolled
learner, an outsider (same tenant, not enrolled) and another tenant's admin. The
kernel's pytest plugin brings ``client``, ``page_browser``, ``run_task``...; the
enrollment plugin's ``make_course`` and ``enrol_directly``; the streaming conftest
``ready_stream``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa


@dataclass
class World:
    tenant: Any
    other_tenant: Any
    instructor: Any
    learner: Any
    classmate: Any
    outsider: Any
    foreign_admin: Any
    course: Any
    lesson: Any
    other_lesson: Any
    asset: Any
    stream: Any

    @property
    def lesson_url(self) -> str:
        return f"/courses/{self.course.slug}/learn/{self.lesson.slug}"


@pytest.fixture
def make_world(
    db, tenant, other_tenant, user_factory, make_course, enrol_directly, ready_stream, use_asset
):
    """``make_world(kind="video", asset=None)``: the world around a ready stream."""

    def make(kind: str = "video", asset=None) -> World:
        instructor = user_factory(tenant, "instructor")
        setup = make_course(tenant, lessons=2, instructor=instructor, lesson_types=[kind, kind])
        stream = ready_stream(tenant, asset=asset, kind=kind, owner=instructor)
        lesson = setup.lessons[0]
        use_asset(lesson, stream.asset_id)
        learner = user_factory(tenant, "learner")
        classmate = user_factory(tenant, "learner")
        enrol_directly(tenant, setup, learner)
        enrol_directly(tenant, setup, classmate)
        from learninghub_media.models import MediaAsset

        return World(
            tenant,
            other_tenant,
            instructor,
            learner,
            classmate,
            user_factory(tenant, "learner"),
            user_factory(other_tenant, "admin"),
            setup.course,
            lesson,
            setup.lessons[1],
            db.get(MediaAsset, stream.asset_id),
            stream,
        )

    return make


@pytest.fixture
def world(make_world) -> World:
    return make_world()


@pytest.fixture
def made_download(db, clips, media_storage):
    """``made_download(world, allowed=True)``: the stream's download as the task would
    leave it (the 3 s clip's bytes stored under the download prefix), without running
    ffmpeg; the pipeline itself is tested in test_prepare.py."""
    from learninghub_streaming.downloads import services

    def make(world: World, allowed: bool = True) -> bytes:
        with open(clips.video(), "rb") as file:
            data = file.read()
        key = f"{services.download_prefix(world.asset.id)}{uuid.uuid4().hex}/clip.mp4"
        media_storage.save(world.tenant.id, key, data, content_type="video/mp4")
        stream = world.stream
        db.refresh(stream)  # the app may have written it since
        stream.downloadable = allowed
        stream.download_status = "ready"
        stream.download_key = key
        stream.download_size = len(data)
        db.flush()
        return data

    return make


@pytest.fixture
def download_rows(db):
    """``download_rows(stream_id)``: the ``streaming_downloads`` rows of a stream now."""
    from learninghub_streaming.downloads.models import Download

    def read(stream_id) -> list:
        db.expire_all()
        return list(db.scalars(sa.select(Download).where(Download.stream_id == stream_id)))

    return read
