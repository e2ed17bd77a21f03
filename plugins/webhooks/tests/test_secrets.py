"""The signing secret at rest: sealed by the kernel's secret box, resealed after a key
rotation, never sent unsigned."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import system_session
from learninghub.secrets import build_box, is_token
from learninghub_webhooks.models import Endpoint
from learninghub_webhooks.secretstore import reseal_all

pytestmark = pytest.mark.usefixtures("allow_loopback")


def stored_secret(db, endpoint_id) -> str:
    db.expire_all()
    return db.scalar(sa.select(Endpoint.secret).where(Endpoint.id == uuid.UUID(endpoint_id)))


def test_the_secret_is_stored_sealed(db, tenant, make_endpoint, receiver, registry):
    endpoint = make_endpoint(tenant, receiver.url())
    stored = stored_secret(db, endpoint["id"])
    assert is_token(stored) and endpoint["secret"] not in stored
    base64_part = endpoint["secret"].removeprefix("whsec_")
    assert base64_part not in stored
    from learninghub.secrets import secret_box

    assert secret_box(registry).open(stored) == endpoint["secret"]


def test_reseal_after_a_key_rotation_keeps_signatures_valid(
    db, tenant, make_endpoint, receiver, registry, monkeypatch, change_settings
):
    monkeypatch.setitem(registry, "secrets.box", build_box({"secrets.keys": ["old-key-" * 4]}))
    endpoint = make_endpoint(tenant, receiver.url())
    old_token = stored_secret(db, endpoint["id"])
    # a new key is prepended: old tokens still open, new ones use the new key
    rotated_box = build_box({"secrets.keys": ["new-key-" * 4, "old-key-" * 4]})
    monkeypatch.setitem(registry, "secrets.box", rotated_box)
    assert rotated_box.needs_rotation(old_token)
    report = reseal_all(registry, system_session(db))
    assert (report.resealed, report.failed) == (1, [])
    new_token = stored_secret(db, endpoint["id"])
    assert new_token != old_token and not rotated_box.needs_rotation(new_token)
    assert reseal_all(registry, system_session(db), dry_run=True).resealed == 0
    # the old key is removed: deliveries still verify with the same secret
    monkeypatch.setitem(registry, "secrets.box", build_box({"secrets.keys": ["new-key-" * 4]}))
    receiver.secret = endpoint["secret"]
    change_settings(tenant)
    assert len(receiver.requests) == 1 and receiver.bad == []


def test_plain_legacy_secrets_are_read_and_sealed(db, tenant, make_endpoint, receiver, registry):
    endpoint = make_endpoint(tenant, receiver.url())
    row = db.scalar(sa.select(Endpoint).where(Endpoint.id == uuid.UUID(endpoint["id"])))
    row.secret = endpoint["secret"]  # as stored before sealing existed
    db.flush()
    report = reseal_all(registry, system_session(db))
    assert report.resealed == 1 and is_token(stored_secret(db, endpoint["id"]))


def test_a_secret_that_cannot_be_opened_is_never_sent_unsigned(
    db, tenant, make_endpoint, receiver, registry, monkeypatch, change_settings, rows
):
    endpoint = make_endpoint(tenant, receiver.url())
    monkeypatch.setitem(registry, "secrets.box", build_box({"secrets.keys": ["other-" * 6]}))
    change_settings(tenant)
    assert receiver.requests == []
    [delivery] = rows.deliveries()
    [attempt] = rows.attempts(delivery.id)
    assert attempt.error.startswith("not sent: the signing secret cannot be opened")
    assert delivery.status == "pending"  # retried once the key is back
    assert reseal_all(registry, system_session(db)).failed == [f"{tenant.slug}/{endpoint['id']}"]
