"""Other plugins' changes reach the trail through learninghub_audit_auditable_events."""


def test_config_and_webhooks_changes_are_recorded(tenant, admin, client, rows):
    c = client(tenant, admin)
    r = c.put_json(
        "/api/v1/config/plugins/announcements/settings", {"values": {"max_body_chars": 900}}
    )
    assert r.status_int == 200, r.text
    assert rows(tenant, "config.settings.changed")
    r = c.post_json("/api/v1/config/flags", {"key": "new-player", "enabled": True})
    assert r.status_int in (200, 201), r.text
    assert [row for row in rows(tenant) if row.action.startswith("config.flag.")]
