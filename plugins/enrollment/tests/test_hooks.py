"""The hooks enrollment answers for courses and content, called as those plugins
call them: through ``request.hooks`` for the request's tenant."""

from __future__ import annotations

from datetime import timedelta

import pytest
import transaction

from learninghub.tasks import make_tenant_request


@pytest.fixture
def hook_request(registry):
    """``hook_request(tenant, user=None)``: a tenant-bound request signed in as ``user``
    (inside a transaction aborted at the end)."""
    managers = []

    def make(tenant, user=None):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        managers.append(tm)
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, tm, path="/courses/x")
        request.__dict__["_lh_identity"] = user
        request.context = None  # a routed request has one; has_permission reads it
        return request

    yield make
    for tm in reversed(managers):  # savepoints nest: the newest goes first
        tm.abort()


def course_of(request, setup):
    from learninghub_courses.services import get_course

    return get_course(request.db, setup.id)


def enrol_action(request, setup):
    course = course_of(request, setup)
    return request.hooks.learninghub_courses_enrol_action(request=request, course=course)


def lesson_actions(request, course, lesson) -> list:
    """This plugin's, flattened as the content plugin shows them (other installed
    plugins, such as assessment's "My grades" link, may add their own)."""
    results = request.hooks.learninghub_content_lesson_actions(
        request=request, course=course, lesson=lesson
    )
    return [markup for result in results for markup in result if "/my-learning/" in markup]


def test_enrol_action_states(tenant, user_factory, make_course, enrol_directly, hook_request):
    setup = make_course(tenant)
    anonymous = enrol_action(hook_request(tenant), setup)
    assert "Sign in to enrol" in anonymous and f"next=%2Fcourses%2F{setup.course.slug}" in anonymous
    learner = user_factory(tenant)
    open_ = enrol_action(hook_request(tenant, learner), setup)
    assert f'action="/my-learning/enrol/{setup.id}"' in open_ and ">Enrol</button>" in open_
    assert 'name="csrf_token"' in open_
    enrol_directly(tenant, setup.course, learner)
    enrolled = enrol_action(hook_request(tenant, learner), setup)
    assert f'href="/my-learning/continue/{setup.id}"' in enrolled and "Continue" in enrolled
    assert "<progress" in enrolled and '<label for="enrol-progress-' in enrolled
    lapsed = user_factory(tenant)
    enrol_directly(tenant, setup.course, lapsed, expires_in=-timedelta(days=1))
    assert "Enrol again" in enrol_action(hook_request(tenant, lapsed), setup)
    early = user_factory(tenant)
    enrol_directly(tenant, setup.course, early, starts_in=timedelta(days=3))
    assert "Your access starts on" in enrol_action(hook_request(tenant, early), setup)


def test_enrol_action_for_paid_courses_asks_the_seller(
    catalog_tenant, user_factory, make_course, hook_request, request
):
    setup = make_course(catalog_tenant, price_minor=1000)
    learner = user_factory(catalog_tenant)
    assert enrol_action(hook_request(catalog_tenant, learner), setup) is None
    request.getfixturevalue("seller")
    offer = enrol_action(hook_request(catalog_tenant, learner), setup)
    assert offer == f'<a class="buy" href="/buy/{setup.id}">Buy</a>'


def test_enrol_action_is_silent_for_drafts_and_when_self_enrolment_is_off(
    tenant, user_factory, make_course, hook_request, plugin_admin
):
    draft = make_course(tenant, status="draft")
    learner = user_factory(tenant)
    assert enrol_action(hook_request(tenant, learner), draft) is None
    setup = make_course(tenant)
    plugin_admin.settings(tenant, self_enrolment=False)
    assert enrol_action(hook_request(tenant, learner), setup) is None


def test_has_access_needs_an_active_unexpired_enrolment(
    tenant, user_factory, make_course, enrol_directly, hook_request
):
    setup = make_course(tenant)

    def access(user):
        request = hook_request(tenant, user)
        return request.hooks.learninghub_content_has_access(
            request=request, course=course_of(request, setup)
        )

    assert access(None) is None
    assert access(user_factory(tenant)) is None
    ok = user_factory(tenant)
    enrol_directly(tenant, setup.course, ok, expires_in=timedelta(days=1))
    assert access(ok) is True
    for status, kw in (
        ("active", {"expires_in": -timedelta(seconds=1)}),
        ("active", {"starts_in": timedelta(hours=1)}),
        ("cancelled", {}),
        ("expired", {}),
    ):
        user = user_factory(tenant)
        enrol_directly(tenant, setup.course, user, status=status, **kw)
        assert access(user) is None, (status, kw)
    done = user_factory(tenant)
    enrol_directly(tenant, setup.course, done, status="completed")
    assert access(done) is True


def test_lesson_actions_and_completed_marks(
    tenant, user_factory, make_course, client, hook_request
):
    setup = make_course(tenant, lessons=2)
    learner = user_factory(tenant)
    c = client(tenant, learner)
    c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    c.post_json(f"/api/v1/lessons/{setup.lessons[0].id}/progress", {"completed": True})
    request = hook_request(tenant, learner)
    course = course_of(request, setup)
    from learninghub_content.services import published_lessons

    first, second = published_lessons(request.db, course.id)
    done = lesson_actions(request, course, first)
    todo = lesson_actions(request, course, second)
    assert len(done) == 1 and "Mark as not complete" in done[0]
    assert len(todo) == 1 and "Mark complete" in todo[0]
    assert f'action="/my-learning/lessons/{second.id}/progress"' in todo[0]
    marks = request.hooks.learninghub_content_completed_lessons(request=request, course=course)
    assert marks == {first.id}
    stranger = hook_request(tenant, user_factory(tenant))
    course = course_of(stranger, setup)
    assert lesson_actions(stranger, course, first) == []
    assert (
        stranger.hooks.learninghub_content_completed_lessons(request=stranger, course=course)
        is None
    )


def test_hooks_are_not_called_for_a_tenant_without_the_plugin(
    tenant_factory, user_factory, make_course, hook_request
):
    without = tenant_factory(plugins=["content"])
    setup = make_course(without)
    learner = user_factory(without)
    request = hook_request(without, learner)
    assert enrol_action(request, setup) is None
    course = course_of(request, setup)
    assert request.hooks.learninghub_content_has_access(request=request, course=course) is None
