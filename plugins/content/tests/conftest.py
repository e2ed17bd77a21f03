"""Fixtures of the content tests (the kernel's pytest plugin brings the rest).

Courses and media assets are inserted directly: these tests are about content, and
the courses and media plugins test their own APIs.
"""

from __future__ import annotations

import uuid

import pytest

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.identity import grant_role

PLUGIN = "content"


@pytest.fixture
def make_course(db):
    """``make_course(tenant, instructor=None, status="published")``: a course row,
    with ``instructor`` granted the course role."""
    from learninghub_courses.models import Course

    def make(tenant, instructor=None, status="published", title=None, slug=None):
        now = utcnow()
        course = Course(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            slug=slug or f"course-{uuid.uuid4().hex[:8]}",
            title=title or "Algebra basics",
            status=status,
            created_at=now,
            updated_at=now,
            published_at=now if status == "published" else None,
        )
        db.add(course)
        db.flush()
        if instructor is not None:
            bind_tenant(db, tenant.id)
            try:
                grant_role(db, instructor, "instructor", "course", str(course.id))
            finally:
                system_session(db)
        return course

    return make


@pytest.fixture
def make_asset(db):
    """``make_asset(tenant, owner, content_type="video/mp4")``: a ready media asset."""
    from learninghub_media.models import MediaAsset

    def make(tenant, owner=None, content_type="video/mp4", status="ready", duration_s=None):
        asset = MediaAsset(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            owner_id=owner.id if owner else None,
            filename="clip.bin",
            content_type=content_type,
            size=10,
            sha256="0" * 64,
            storage_key=f"test/{uuid.uuid4().hex}",
            status=status,
            duration_s=duration_s,
            created_at=utcnow(),
        )
        db.add(asset)
        db.flush()
        return asset

    return make


@pytest.fixture
def world(tenant, user_factory, make_course):
    """A published course of ``tenant`` with its instructor, a learner, an admin."""

    class World:
        instructor = user_factory(tenant, "instructor")
        learner = user_factory(tenant, "learner")
        admin = user_factory(tenant, "admin")

    World.course = make_course(tenant, World.instructor)
    World.base = f"/api/v1/courses/{World.course.id}"
    return World


@pytest.fixture
def build(client):
    """``build(tenant, user, course, [("Section", [lesson kwargs...]), ...])``: create
    sections and lessons through the API; returns ``{"sections": [...], "lessons":
    [...]}`` (JSON bodies, in order)."""

    def make(tenant, user, course, tree):
        c = client(tenant, user)
        base = f"/api/v1/courses/{course.id}"
        out = {"sections": [], "lessons": []}
        for title, lessons in tree:
            r = c.post_json(base + "/sections", {"title": title})
            assert r.status_int == 201, r.text
            out["sections"].append(r.json)
            for spec in lessons:
                body = {"section_id": r.json["id"], "body": "<p>Text</p>", **spec}
                rl = c.post_json(base + "/lessons", body)
                assert rl.status_int == 201, rl.text
                out["lessons"].append(rl.json)
        return out

    return make


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)
