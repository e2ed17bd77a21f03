"""Issuing: on course.completed (through the real enrollment flow and the task),
criteria, later grades, idempotency, the race, revocation blocks automatic re-issue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub_certificates import services
from learninghub_certificates.models import Certificate


def test_completing_the_course_issues_a_certificate(
    tenant, user_factory, make_course, complete_course, criteria, certificates_of
):
    learner = user_factory(tenant)
    course = make_course(tenant, title="Data Science 101")
    criteria.require(course, learner, met=True)
    out = complete_course(tenant, learner, course)
    assert out["course_completed"] is True
    (cert,) = certificates_of(tenant, learner)
    assert cert.status == "valid"
    assert cert.course_title == "Data Science 101"
    assert cert.learner_name == learner.display_name
    assert services.CODE_RE.match(cert.code)
    # the base URL of the request that completed the course
    assert cert.base_url == f"http://{tenant.host}"
    assert cert.credential["id"] == f"http://{tenant.host}/verify/{cert.code}"


def test_unmet_requirement_issues_nothing(
    tenant, user_factory, make_course, complete_course, criteria, certificates_of
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    criteria.require(course, learner, met=False)
    complete_course(tenant, learner, course)
    assert certificates_of(tenant, learner) == []


def test_grade_below_minimum_issues_nothing_then_grade_change_issues(
    tenant,
    user_factory,
    make_course,
    complete_course,
    criteria,
    certificates_of,
    set_template,
    registry,
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    set_template(tenant, course, min_grade="80.00")
    criteria.grade(course, learner, "79.99")
    complete_course(tenant, learner, course)
    assert certificates_of(tenant, learner) == []

    # the assessment plugin regrades and emits assessment.grade.changed
    criteria.grade(course, learner, "80.00")
    _emit_grade_changed(registry, tenant, course, learner)
    (cert,) = certificates_of(tenant, learner)
    assert cert.grade == 8000


def _emit_grade_changed(registry, tenant, course, learner):
    """What the assessment plugin does: emit the event in a committed transaction."""
    import transaction

    from learninghub.tasks import make_tenant_request

    resolver = registry["tenancy.resolver"]
    resolver.forget_local()
    info = resolver.by_id(tenant.id)
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, info, tm)
    tm.begin()
    request.emit(
        "assessment.grade.changed",
        resource_type="course",
        resource_id=course.id,
        payload={"course_id": str(course.id), "user_id": str(learner.id)},
    )
    request.db  # noqa: B018  (join the session to the transaction)
    tm.commit()


def test_minimum_without_grade_answer_issues_nothing(
    tenant,
    user_factory,
    make_course,
    enrol_completed,
    criteria,
    issue_now,
    certificates_of,
    set_template,
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    set_template(tenant, course, min_grade="50")
    enrol_completed(tenant, course, learner)
    assert issue_now(tenant, course, learner) == "done"
    assert certificates_of(tenant, learner) == []
    criteria.grade(course, learner, "50")
    issue_now(tenant, course, learner)
    assert len(certificates_of(tenant, learner)) == 1


def test_not_completed_enrolment_issues_nothing(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, learner, status="active")
    issue_now(tenant, course, learner)
    assert certificates_of(tenant, learner) == []


def test_a_raising_criteria_hook_fails_closed(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, learner)
    criteria.fail = True
    issue_now(tenant, course, learner)
    assert certificates_of(tenant, learner) == []


def test_event_delivered_twice_gives_one_certificate(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, learner)
    issue_now(tenant, course, learner)
    issue_now(tenant, course, learner)
    certs = certificates_of(tenant, learner)
    assert len(certs) == 1


def test_completion_queues_the_issue_task_after_commit(
    tenant, user_factory, make_course, complete_course, criteria, monkeypatch
):
    import learninghub.tasks

    messages = []
    monkeypatch.setattr(learninghub.tasks, "dispatch", lambda registry, m: messages.append(m))
    learner = user_factory(tenant)
    course = make_course(tenant, lessons=1)
    complete_course(tenant, learner, course)
    issued = [m for m in messages if m.name == services.ISSUE_TASK]
    assert len(issued) == 1
    assert issued[0].kwargs["course_id"] == str(course.id)
    assert issued[0].kwargs["user_id"] == str(learner.id)


def test_one_valid_certificate_is_enforced_by_the_database(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of, db
):
    learner = user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, learner)
    issue_now(tenant, course, learner)
    (first,) = certificates_of(tenant, learner)
    twin = Certificate(
        tenant_id=tenant.id,
        code="twin" * 4,
        course_id=course.id,
        user_id=learner.id,
        learner_name="x",
        course_title="y",
        issued_at=utcnow(),
        status="valid",
        base_url="http://x",
        credential={},
        template={},
        revoked_reason="",
    )
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.add(twin)
    # a revoked (or superseded) one next to the valid one is fine
    twin.status = "revoked"
    with db.begin_nested():
        db.add(twin)
    assert first.status == "valid"


def test_losing_the_issue_race_returns_the_winners_certificate(
    tenant,
    user_factory,
    make_course,
    enrol_completed,
    criteria,
    issue_now,
    certificates_of,
    registry,
    monkeypatch,
    db,
):
    """Two workers check "no valid certificate" at the same time; the second insert
    hits the unique index, rolls back its savepoint only and answers the winner's."""
    learner = user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, learner)
    issue_now(tenant, course, learner)
    (winner,) = certificates_of(tenant, learner)

    real = services.valid_certificate
    calls = []

    def stale_first_read(db_, course_id, user_id):
        calls.append(1)
        return None if len(calls) == 1 else real(db_, course_id, user_id)

    monkeypatch.setattr(services, "valid_certificate", stale_first_read)
    bind_tenant(db, tenant.id)
    try:
        from learninghub.tasks import make_tenant_request

        request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), None)
        request.__dict__["db"] = db
        got = services.issue(request, course.course, learner.id, base_url="http://x")
    finally:
        system_session(db)
    assert got is not None and got.id == winner.id
    assert len(calls) == 2
    assert [c.id for c in certificates_of(tenant, learner)] == [winner.id]


def test_revoked_certificate_is_not_reissued_automatically(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of, client
):
    admin = user_factory(tenant, "admin")
    learner = user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, learner)
    issue_now(tenant, course, learner)
    (cert,) = certificates_of(tenant, learner)
    r = client(tenant, admin).post_json(
        f"/api/v1/certificates/{cert.id}/revoke", {"reason": "Exam fraud"}
    )
    assert r.status_int == 200
    issue_now(tenant, course, learner)
    certs = certificates_of(tenant, learner)
    assert [c.status for c in certs] == ["revoked"]
    # the admin re-issues
    r = client(tenant, admin).post_json(f"/api/v1/certificates/{cert.id}/reissue", {})
    assert r.status_int == 201, r.text
    assert r.json["status"] == "valid" and r.json["code"] != cert.code
    assert sorted(c.status for c in certificates_of(tenant, learner)) == ["revoked", "valid"]


def test_cli_evaluate_issues_what_is_due(
    tenant, user_factory, make_course, enrol_completed, criteria, certificates_of, registry, db
):
    from learninghub.tasks import make_tenant_request
    from learninghub_certificates.cli import evaluate_tenant

    a, b = user_factory(tenant), user_factory(tenant)
    course = make_course(tenant)
    enrol_completed(tenant, course, a)
    enrol_completed(tenant, course, b, status="active")
    bind_tenant(db, tenant.id)
    try:
        request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), None)
        request.__dict__["db"] = db
        assert evaluate_tenant(request, course.id) == 1
        assert evaluate_tenant(request, course.id) == 0
    finally:
        system_session(db)
    assert len(certificates_of(tenant, a)) == 1
    assert certificates_of(tenant, b) == []
    assert db.scalar(sa.select(sa.func.count()).select_from(Certificate)) >= 1


def test_with_every_plugin_enabled_a_course_without_quizzes_issues(
    tenant_factory, user_factory, make_course, complete_course, certificates_of
):
    """The real assessment plugin answers the hooks (nothing required, no grade)."""
    everything = tenant_factory()
    learner = user_factory(everything)
    course = make_course(everything, lessons=1)
    complete_course(everything, learner, course)
    assert [c.status for c in certificates_of(everything, learner)] == ["valid"]
