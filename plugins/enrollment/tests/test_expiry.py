"""Access windows: checked on every access, and the task that marks lapsed
enrolments expired."""

from __future__ import annotations

from datetime import timedelta

from learninghub_enrollment.services import EXPIRE_TASK


def test_expired_enrolment_loses_access_at_once(
    tenant, user_factory, client, make_course, enrol_directly
):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    enrol_directly(tenant, setup.course, learner, expires_in=-timedelta(seconds=1))
    r = client(tenant, learner).get(f"/api/v1/courses/{setup.id}/enrollment")
    assert r.json["status"] == "active"  # not yet marked by the task...
    assert r.json["effective_status"] == "expired" and r.json["has_access"] is False  # ...no access


def test_meeting_a_lapsed_enrolment_queues_the_expiry_task(
    tenant, user_factory, client, make_course, enrol_directly, dispatched
):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    enrol_directly(tenant, setup.course, learner, expires_in=-timedelta(seconds=1))
    c = client(tenant, learner)
    refused = c.post_json(f"/api/v1/lessons/{setup.lessons[0].id}/progress", {"completed": True})
    assert refused.status_int == 403
    assert dispatched == []  # a refused request rolls back: nothing is queued
    page = c.get(f"/my-learning/continue/{setup.id}")
    assert page.status_int == 303 and page.headers["Location"].endswith(
        f"/courses/{setup.course.slug}"
    )
    assert [(m.name, m.tenant_id) for m in dispatched] == [(EXPIRE_TASK, str(tenant.id))]


def test_expiry_task_marks_lapsed_enrolments_and_uncounts_them(
    tenant,
    other_tenant,
    user_factory,
    client,
    make_course,
    enrol_directly,
    run_task,
    course_row,
    enrollment_row,
):
    setup = make_course(tenant)
    lapsed, current, open_ended = user_factory(tenant), user_factory(tenant), user_factory(tenant)
    # enrol through the API so that the counter is right, then move the windows
    for user in (lapsed, current, open_ended):
        assert (
            client(tenant, user).post_json(f"/api/v1/courses/{setup.id}/enrollment", {}).status_int
            == 201
        )
    admin = client(tenant, user_factory(tenant, "admin"))
    from datetime import UTC, datetime

    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    for user, when in ((lapsed, past), (current, future)):
        url = client(tenant, user).get(f"/api/v1/courses/{setup.id}/enrollment").json["url"]
        assert admin.patch_json(url, {"expires_at": when}).status_int == 200
    theirs = make_course(other_tenant)
    stranger = user_factory(other_tenant)
    enrol_directly(other_tenant, theirs.course, stranger, expires_in=-timedelta(minutes=1))
    assert course_row(setup.id).enrolment_count == 3
    assert run_task(tenant, EXPIRE_TASK) == "done"
    assert enrollment_row(setup.id, lapsed).status == "expired"
    assert enrollment_row(setup.id, current).status == "active"
    assert enrollment_row(setup.id, open_ended).status == "active"
    assert enrollment_row(theirs.id, stranger).status == "active"  # another tenant: untouched
    assert course_row(setup.id).enrolment_count == 2
    run_task(tenant, EXPIRE_TASK)  # idempotent
    assert course_row(setup.id).enrolment_count == 2


def test_expired_learner_enrols_again_in_a_free_course(
    tenant, user_factory, client, make_course, run_task, course_row, events
):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    c = client(tenant, learner)
    url = c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {}).json["url"]
    from datetime import UTC, datetime

    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    client(tenant, user_factory(tenant, "admin")).patch_json(url, {"expires_at": past})
    run_task(tenant, EXPIRE_TASK)
    assert course_row(setup.id).enrolment_count == 0
    again = c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    assert again.status_int == 201 and again.json["has_access"] is True
    assert again.json["expires_at"] is None
    assert course_row(setup.id).enrolment_count == 1
    assert events.names().count("enrollment.enrollment.created") == 2


def test_scheduled_enrolment_has_no_access_before_it_starts(
    tenant, user_factory, client, make_course, enrol_directly
):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    enrol_directly(tenant, setup.course, learner, starts_in=timedelta(days=2))
    r = client(tenant, learner).get(f"/api/v1/courses/{setup.id}/enrollment")
    assert r.json["effective_status"] == "scheduled" and r.json["has_access"] is False


def test_cli_expire_command(
    registry, tenant, user_factory, make_course, enrol_directly, enrollment_row
):
    from click.testing import CliRunner

    from learninghub.cli import Env
    from learninghub_enrollment import cli

    class TestEnv(Env):
        @property
        def registry(self):
            return registry

    setup = make_course(tenant)
    learner = user_factory(tenant)
    enrol_directly(tenant, setup.course, learner, expires_in=-timedelta(seconds=1))
    env = TestEnv("unused.ini")
    result = CliRunner().invoke(cli.enrollment, ["expire", "--tenant", tenant.slug], obj=env)
    assert result.exit_code == 0, result.output
    assert f"{tenant.slug}: 1 expired" in result.output
    assert enrollment_row(setup.id, learner).status == "expired"
    result = CliRunner().invoke(cli.enrollment, ["expire", "--tenant", "nope"], obj=env)
    assert result.exit_code != 0 and "unknown tenant" in result.output
