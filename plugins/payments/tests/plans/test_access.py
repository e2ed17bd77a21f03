"""Access follows the subscription's status: enrolments granted by a plan last until
the period end (active), the period end plus the grace days (past due), and end now,
or at the period end when cancelled at period end."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from learninghub.db import utcnow


def _change(tenant_request, tenant, sub_id, **state):
    from learninghub_payments.plans import lifecycle
    from learninghub_payments.plans.models import Subscription

    with tenant_request(tenant) as request:
        sub = request.db.get(Subscription, sub_id)
        return lifecycle.change(request, sub, **state), sub.current_period_end


def test_access_follows_active_past_due_and_cancellation(
    catalog, make_plan, subscription_of, tenant_request, enrollment_row, events, page_browser
):
    plan = make_plan(catalog)
    course = catalog.course
    player = f"/courses/{course.course.slug}/learn/{course.lessons[0].slug}"
    browser = page_browser(catalog.tenant, catalog.learner)
    assert browser.get(player).status_int == 403  # not subscribed: no lesson
    sub_id = subscription_of(catalog, plan["id"], status="active", days=30)
    assert browser.get(player).status_int == 200  # the plan opens the course
    enrollment = enrollment_row(catalog.course.id, catalog.learner)
    end = enrollment.expires_at
    now = utcnow()
    assert enrollment.source == "purchase" and timedelta(days=29) < end - now <= timedelta(days=30)
    assert enrollment.has_access_at(now) and not enrollment.has_access_at(end)
    assert enrollment_row(catalog.other_course.id, catalog.learner) is None  # not in the plan

    _change(tenant_request, catalog.tenant, sub_id, status="past_due")
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at == end + timedelta(days=3)

    _change(tenant_request, catalog.tenant, sub_id, status="active", cancel_at_period_end=True)
    _change(tenant_request, catalog.tenant, sub_id, status="canceled")
    ending = enrollment_row(catalog.course.id, catalog.learner)
    assert ending.expires_at == end and ending.has_access_at(utcnow())  # until the period end

    later = subscription_of(catalog, plan["id"], status="active", days=60)
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at > end
    _change(tenant_request, catalog.tenant, later, status="canceled")  # at once
    gone = enrollment_row(catalog.course.id, catalog.learner)
    assert gone.expires_at <= utcnow() and not gone.has_access_at(utcnow())
    assert browser.get(player).status_int == 403
    assert events.names().count("payments.subscription.activated") == 2
    assert events.names().count("payments.subscription.cancelled") == 2


def test_an_enrolment_of_ones_own_is_never_taken_over(
    catalog, make_plan, subscription_of, enrol_directly, enrollment_row, db
):
    from learninghub_payments.plans.models import SubscriptionGrant

    enrol_directly(catalog.tenant, catalog.course.course, catalog.learner, source="purchase")
    plan = make_plan(catalog)
    subscription_of(catalog, plan["id"], status="active")
    mine = enrollment_row(catalog.course.id, catalog.learner)
    assert mine.expires_at is None  # bought for good: the plan does not shorten it
    assert db.scalar(sa.select(sa.func.count(SubscriptionGrant.id))) == 0


def test_grace_days_are_the_tenants(
    catalog, make_plan, subscription_of, plugin_admin, enrollment_row
):
    plugin_admin.settings(catalog.tenant, subscription_grace_days=0)
    plan = make_plan(catalog)
    subscription_of(catalog, plan["id"], status="past_due", days=1)
    row = enrollment_row(catalog.course.id, catalog.learner)
    assert timedelta(hours=23) < row.expires_at - utcnow() <= timedelta(days=1)


def test_adding_a_course_to_a_plan_grants_it_to_subscribers(
    catalog, make_plan, subscription_of, client, enrollment_row
):
    plan = make_plan(catalog)
    subscription_of(catalog, plan["id"])
    r = client(catalog.tenant, catalog.admin).patch_json(
        f"/api/v1/admin/plans/{plan['id']}",
        {"course_ids": [str(catalog.course.id), str(catalog.other_course.id)]},
    )
    assert r.status_int == 200, r.text
    assert enrollment_row(catalog.other_course.id, catalog.learner).expires_at is not None


def test_all_courses_plans_offer_included_in_your_plan(
    catalog, make_plan, subscription_of, page_browser, user_factory, enrollment_row
):
    from learninghub_courses.services import course_url  # noqa: F401

    plan = make_plan(catalog, all_courses=True, course_ids=[])
    path = f"/courses/{catalog.other_course.course.slug}"
    stranger = page_browser(catalog.tenant, user_factory(catalog.tenant, "learner"))
    assert "Included in your plan" not in stranger.get(path).text
    subscription_of(catalog, plan["id"])
    assert enrollment_row(catalog.other_course.id, catalog.learner) is None  # on demand
    browser = page_browser(catalog.tenant, catalog.learner)
    page = browser.get(path)
    assert "Included in your plan" in page.text
    r = browser.submit(page, f"/plans/include/{catalog.other_course.id}", {})
    assert r.status_int == 303
    granted = enrollment_row(catalog.other_course.id, catalog.learner)
    assert granted.source == "purchase" and granted.expires_at is not None
    # someone without a covering subscription cannot use the form
    assert stranger.post(f"/plans/include/{catalog.course.id}", {}).status_int == 404
