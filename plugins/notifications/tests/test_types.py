"""The built-in types: offered only for the enabled plugins, recipients from the
events' payloads, rendered in each recipient's language."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from learninghub.events import DomainEvent
from learninghub_notifications import fanout, services
from learninghub_notifications.models import Notification

ALL = ("notifications", "announcements", "assessment", "certificates", "payments", "reviews")


def event(tenant, name, resource_id, payload, actor_id=None):
    return DomainEvent(
        name=name,
        tenant_id=tenant.id,
        actor_id=actor_id,
        resource_type="x",
        resource_id=str(resource_id),
        payload=payload,
    )


def test_builtin_types_follow_the_enabled_plugins(tenant_factory, tenant_request):
    with tenant_request(tenant_factory(plugins=ALL)) as request:
        kinds = services.types(request)
        assert services.types(request) is kinds  # gathered once per request
        assert {k: t.event for k, t in kinds.items()} == {
            "enrollment.enrolled": "enrollment.enrollment.created",
            "enrollment.course_completed": "course.completed",
            "announcements.published": "announcements.announcement.published",
            "assessment.quiz_graded": "assessment.attempt.graded",
            "assessment.assignment_graded": "assessment.submission.graded",
            "certificates.issued": "certificates.certificate.issued",
            "payments.order_paid": "payments.order.paid",
            "reviews.replied": "reviews.review.replied",
        }
    with tenant_request(tenant_factory(plugins=("notifications", "reviews"))) as request:
        assert set(services.types(request)) == {
            "reviews.replied",
            "enrollment.enrolled",
            "enrollment.course_completed",
        }


def test_rendered_in_each_recipients_language(
    tenant_factory, user_factory, make_course, tenant_request, db
):
    from learninghub.identity import User

    tenant = tenant_factory(plugins=ALL)
    ana = user_factory(tenant)  # Spanish
    bob = user_factory(tenant)  # English
    author = user_factory(tenant, "instructor")
    for user, locale in ((ana, "es"), (bob, "en")):
        db.get(User, user.id).locale = locale
    db.flush()
    course = make_course(tenant, lessons=1, title="Álgebra")
    order_id, certificate_id = uuid.uuid4(), uuid.uuid4()
    events = [
        event(
            tenant,
            "payments.order.paid",
            order_id,
            {"user_id": str(ana.id), "number": "A-7", "total_minor": 1250, "currency": "EUR"},
        ),
        event(
            tenant,
            "payments.order.paid",
            order_id,
            {"user_id": str(bob.id), "number": "B-8", "total_minor": 1250, "currency": "EUR"},
        ),
        event(
            tenant,
            "certificates.certificate.issued",
            certificate_id,
            {"user_id": str(ana.id), "course_id": str(course.id), "code": "C1"},
        ),
        event(
            tenant,
            "reviews.review.replied",
            uuid.uuid4(),
            {"user_id": str(bob.id), "course_id": str(course.id)},
            actor_id=author.id,
        ),
        # a reply to oneself tells nobody
        event(
            tenant,
            "reviews.review.replied",
            uuid.uuid4(),
            {"user_id": str(bob.id), "course_id": str(course.id)},
            actor_id=bob.id,
        ),
        event(
            tenant,
            "announcements.announcement.published",
            uuid.uuid4(),
            {"title": "Exams", "author_id": str(author.id), "url": "/announcements/1"},
            actor_id=author.id,
        ),
        event(tenant, "course.completed", course.id, {"user_id": str(ana.id)}),
        # rows that do not exist (any more): nothing to say
        event(
            tenant,
            "assessment.attempt.graded",
            uuid.uuid4(),
            {"user_id": str(ana.id), "quiz_id": str(uuid.uuid4()), "percent": "80", "passed": True},
        ),
        event(
            tenant,
            "assessment.submission.graded",
            uuid.uuid4(),
            {"user_id": str(ana.id), "course_id": str(course.id)},
        ),
    ]
    with tenant_request(tenant) as request:
        for e in events:
            fanout.fan_out(request, e)
    db.expire_all()
    from learninghub.db import bind_tenant, system_session

    bind_tenant(db, tenant.id)
    try:
        got = {
            (n.user_id, n.type): (n.subject, n.body, n.url)
            for n in db.scalars(sa.select(Notification))
        }
    finally:
        system_session(db)
    # Ana's in Spanish (text and money: "12,50 €"), Bob's in English ("€12.50")
    assert got[(ana.id, "payments.order_paid")][1].replace("\xa0", " ") == (
        "Hemos recibido 12,50 €. ¡Gracias!"
    )
    assert got[(bob.id, "payments.order_paid")] == (
        "Payment received for order B-8",
        "We received €12.50. Thank you!",
        f"/orders/{order_id}",
    )
    assert got[(ana.id, "certificates.issued")][0] == "Tu certificado de “Álgebra” está listo"
    assert got[(ana.id, "certificates.issued")][2] == f"/certificates/{certificate_id}"
    assert got[(bob.id, "reviews.replied")][2] == f"/courses/{course.course.slug}/reviews"
    assert got[(ana.id, "enrollment.course_completed")][0] == "Has completado “Álgebra”"
    # a tenant-wide announcement: every active user but its author
    announced = {u for (u, t) in got if t == "announcements.published"}
    assert announced == {ana.id, bob.id}
    assert sorted(t for (u, t) in got) == sorted(
        [
            "payments.order_paid",
            "payments.order_paid",
            "certificates.issued",
            "reviews.replied",
            "announcements.published",
            "announcements.published",
            "enrollment.course_completed",
        ]
    )
