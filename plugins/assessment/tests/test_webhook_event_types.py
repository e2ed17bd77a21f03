"""Tenant admins may subscribe webhook endpoints to the assessment plugin's events
(``learninghub_webhooks_event_types``, gathered from the parts) — only while the plugin
is enabled for their tenant."""

from __future__ import annotations

EVENTS = {
    "assessment.attempt.started",
    "assessment.attempt.submitted",
    "assessment.attempt.graded",
    "assessment.submission.submitted",
    "assessment.submission.graded",
    "assessment.grade.changed",
    "assessment.grade.overridden",
}


def event_types(client, tenant, admin) -> dict[str, str]:
    r = client(tenant, admin).get("/api/v1/webhooks/event-types")
    assert r.status_int == 200, r.text
    return {t["name"]: t["description"] for t in r.json}


def test_assessment_events_are_subscribable_where_enabled(tenant_factory, user_factory, client):
    with_plugin = tenant_factory()
    names = event_types(client, with_plugin, user_factory(with_plugin, "admin"))
    assert EVENTS <= set(names)
    assert all(names[name] for name in EVENTS)
    without = tenant_factory(plugins=["webhooks"])
    names = event_types(client, without, user_factory(without, "admin"))
    assert not EVENTS & set(names)
