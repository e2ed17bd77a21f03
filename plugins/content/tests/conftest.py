"""Fixtures of the content tests (the kernel's pytest plugin brings the rest).

Courses and media assets are inserted directly: these tests are about content, and
the courses and media plugins test their own APIs.
"""

from __future__ import annotations

import uuid

import pytest

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.identity import grant_role
from learninghub.plugins import TenantPlugins

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


def _requirements(registry, name: str) -> set[str]:
    """Every plugin ``name`` needs, directly or not."""
    found: set[str] = set()
    todo = list(registry["plugins"].get(name).manifest.requires)
    while todo:
        dep = todo.pop()
        if dep not in found:
            found.add(dep)
            todo.extend(registry["plugins"].get(dep).manifest.requires)
    return found


@pytest.fixture
def plugin_admin(registry, db):
    """Change the plugin's enablement or settings for a tenant, as an operator would."""

    class Admin:
        def _run(self, tenant, action):
            bind_tenant(db, tenant.id)
            try:
                action(TenantPlugins(registry, db, tenant.orm))
            finally:
                system_session(db)
                registry["tenancy.resolver"].invalidate()

        def settings(self, tenant, **values):
            self._run(tenant, lambda m: m.enable(PLUGIN, settings=values))

        def disable(self, tenant):
            """Disable content, and first the plugins that need it (enrollment...)."""

            def action(manager):
                order = list(registry["plugins"].order)
                for name in reversed(order[order.index(PLUGIN) :]):
                    if PLUGIN in _requirements(registry, name) or name == PLUGIN:
                        manager.disable(name)

            self._run(tenant, action)

    return Admin()
