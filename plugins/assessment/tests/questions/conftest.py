"""Fixtures of the question bank tests: a course with its editors and others."""

from __future__ import annotations

import uuid

import pytest

from learninghub.db import utcnow

CHOICE = {
    "type": "single_choice",
    "title": "Capital of France",
    "prompt": "<p>Which is the capital of France?</p>",
    "spec": {
        "options": [{"id": "a", "text": "Paris"}, {"id": "b", "text": "Lyon"}],
        "correct": "a",
    },
    "points": "2",
    "tags": ["Geography", "europe"],
    "difficulty": "easy",
}


@pytest.fixture
def bank(tenant, user_factory, make_course):
    """A published course of ``tenant`` with its instructor, an assistant, an
    enrolled-or-not learner, an admin, and ``url`` of its bank."""

    class Bank:
        instructor = user_factory(tenant, "instructor")
        assistant = user_factory(tenant, "learner")
        learner = user_factory(tenant, "learner")
        admin = user_factory(tenant, "admin")
        setup = make_course(tenant, instructor=instructor, assistant=assistant)
        course = setup.course
        url = f"/api/v1/courses/{setup.course.id}/questions"
        page = f"/teach/courses/{setup.course.id}/questions"

    return Bank


@pytest.fixture
def add_question(client, tenant, bank):
    """``add_question(**changes)``: a question created through the API by the
    instructor; returns its JSON."""

    def add(**changes):
        body = {**CHOICE, **changes}
        r = client(tenant, bank.instructor).post_json(bank.url, body)
        assert r.status_int == 201, r.text
        return r.json

    return add


@pytest.fixture
def make_asset(db):
    """``make_asset(tenant, owner, content_type="image/png")``: a ready media asset."""
    from learninghub_media.models import MediaAsset

    def make(tenant, owner=None, content_type="image/png", status="ready"):
        asset = MediaAsset(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            owner_id=owner.id if owner else None,
            filename="figure.png",
            content_type=content_type,
            size=10,
            sha256="0" * 64,
            storage_key=f"test/{uuid.uuid4().hex}",
            status=status,
            created_at=utcnow(),
        )
        db.add(asset)
        db.flush()
        return asset

    return make


def problem(r, status):
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"
    return r.json


@pytest.fixture
def hook_request(registry, db):
    """``hook_request(tenant, user=None)``: a tenant-bound request on the test
    session, to call hook implementations directly."""
    from learninghub.db import bind_tenant, system_session
    from learninghub.tasks import make_tenant_request

    def make(tenant, user=None):
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, None)
        request.__dict__["db"] = db
        request.__dict__["_lh_identity"] = user
        request.context = None
        bind_tenant(db, tenant.id)
        return request

    yield make
    system_session(db)
