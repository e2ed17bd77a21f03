"""Fixtures of the certificates tests (the kernel's pytest plugin brings the rest).

Tenants enable the catalog plugins, audit and certificates, but not assessment: the
criteria hooks are answered by :class:`Criteria`, a stand-in registered on the
plugin manager the way plugins/enrollment/tests/conftest.py registers ``Seller``.
Courses and lessons are inserted as set-up rows by the enrollment plugin's
``make_course``; ``run_task`` comes from the kernel's pytest plugin.
"""

from __future__ import annotations

import functools
import io
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.hookspecs import hookimpl
from learninghub_certificates.hookspecs import Requirement

PLUGINS = ["courses", "media", "content", "enrollment", "audit", "certificates"]


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def other_tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def make_course(make_course):
    """The enrollment plugin's ``make_course`` (``learninghub_enrollment.testing``) with
    two lessons by default: a published course with one section of published text
    lessons."""
    return functools.partial(make_course, lessons=2)


@pytest.fixture
def complete_course(client):
    """``complete_course(tenant, learner, course)``: enrol and mark every lesson
    complete through the enrollment API (emits ``course.completed`` once)."""

    def run(tenant, learner, course):
        c = client(tenant, learner)
        r = c.post_json(f"/api/v1/courses/{course.id}/enrollment", {})
        assert r.status_int in (200, 201), r.text
        for lesson in course.lessons:
            r = c.post_json(f"/api/v1/lessons/{lesson.id}/progress", {"completed": True})
            assert r.status_int == 200, r.text
        return r.json

    return run


@pytest.fixture
def enrol_completed(db):
    """``enrol_completed(tenant, course, user)``: a completed enrolment row (set-up,
    no event)."""
    from learninghub_enrollment.models import Enrollment

    def make(tenant, course, user, status="completed"):
        now = utcnow()
        e = Enrollment(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            course_id=course.id,
            user_id=user.id,
            status=status,
            source="free",
            enrolled_at=now,
            completed_at=now if status == "completed" else None,
            progress_percent=100 if status == "completed" else 0,
        )
        db.add(e)
        db.flush()
        return e

    return make


class Criteria:
    """A stand-in for the assessment plugin: answers the certificates hooks from
    what the test sets (per course id and user id)."""

    def __init__(self):
        self.requirements: dict = {}
        self.grades: dict = {}
        self.fail = False

    @hookimpl
    def learninghub_certificates_requirements(self, request, course, user_id):
        if self.fail:
            raise RuntimeError("criteria back end is down")
        return list(self.requirements.get((course.id, user_id), []))

    @hookimpl
    def learninghub_certificates_course_grade(self, request, course, user_id):
        return self.grades.get((course.id, user_id))

    def require(self, course, user, met: bool, key="quiz:final", label="Pass the final quiz"):
        self.requirements[(course.id, user.id)] = [Requirement(key=key, label=label, met=met)]

    def grade(self, course, user, value):
        self.grades[(course.id, user.id)] = None if value is None else Decimal(value)


@pytest.fixture
def criteria(registry):
    pm = registry["plugins"].pm
    name = f"test-criteria-{uuid.uuid4().hex[:6]}"
    stand_in = Criteria()
    pm.register(stand_in, name=name)
    try:
        yield stand_in
    finally:
        pm.unregister(name=name)


@pytest.fixture
def certificates_of(db):
    """``certificates_of(tenant, user, course=None)``: rows as stored, oldest first."""
    from learninghub_certificates.models import Certificate

    def read(tenant, user, course=None):
        db.expire_all()
        stmt = sa.select(Certificate).where(
            Certificate.tenant_id == tenant.id, Certificate.user_id == user.id
        )
        if course is not None:
            stmt = stmt.where(Certificate.course_id == course.id)
        return list(db.scalars(stmt.order_by(Certificate.issued_at, Certificate.code)))

    return read


@pytest.fixture
def issue_now(run_task):
    """``issue_now(tenant, course, user)``: run the issue task as a worker would."""

    def run(tenant, course, user, base_url="http://certs.example"):
        return run_task(
            tenant,
            "certificates.issue",
            course_id=str(course.id),
            user_id=str(user.id),
            base_url=base_url,
        )

    return run


@pytest.fixture
def set_template(db):
    """``set_template(tenant, course=None, min_grade=None, **fields)``: a template row."""
    from learninghub_certificates.models import CertificateTemplate

    def make(tenant, course=None, min_grade=None, **fields):
        t = CertificateTemplate(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            course_id=course.id if course is not None else None,
            min_grade_percent=None if min_grade is None else int(Decimal(min_grade) * 100),
            updated_at=utcnow(),
            **{"title": "", "body": "", "signer_name": "", "signer_title": "", **fields},
        )
        t.custom_fields = fields.get("custom_fields", [])
        db.add(t)
        db.flush()
        return t

    return make


@pytest.fixture
def page_client(client, session_cookie):
    """``page_client(tenant, user=None)``: a client signed in with a page session."""

    def make(tenant, user=None):
        c = client(tenant)
        if user is not None:
            c.headers["Cookie"] = session_cookie(tenant, user)
        return c

    return make


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def pdf_qr_codes(body: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(body)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def read_pdf():
    """``read_pdf(body) -> (text, [decoded QR codes])``."""
    return lambda body: (pdf_text(body), pdf_qr_codes(body))
