"""The hash chain: it links and verifies; editing or deleting a row is reported at the
first broken seq by the API, the admin page and the CLI.

Tampering goes through raw SQL. On PostgreSQL the append-only trigger would refuse
it (see test_postgresql.py), so these tests switch the triggers off inside the test
transaction first — as a superuser attacker could — to show that verification
catches what the trigger did not stop."""

from __future__ import annotations

import re

import pytest

from learninghub.testing.plugin import SECRET
from learninghub_audit import chain
from learninghub_audit.models import AuditEvent
from learninghub_audit.sealer import seal_pending


@pytest.fixture
def trail(tenant, admin, client, rows):
    """Three sealed rows (seq 1-3) in ``tenant``'s trail."""
    c = client(tenant, admin)
    for name in ("One", "Two", "Three"):
        assert c.patch_json("/api/v1/tenant/settings", {"name": name}).status_int == 200
    made = rows(tenant)
    assert [r.seq for r in made] == [1, 2, 3]
    return made


def verify_api(client, tenant, admin):
    r = client(tenant, admin).get("/api/v1/audit/verify")
    assert r.status_int == 200, r.text
    return r.json


def verify_page(page_browser, tenant, admin):
    r = page_browser(tenant, admin).get("/admin/audit/verify")
    assert r.status_int == 200, r.text
    return r


def test_rows_link_into_a_chain_that_verifies(tenant, admin, client, trail, head, cli):
    previous = chain.GENESIS
    for row in trail:
        assert row.prev_hash == previous
        assert row.hash == chain.row_hash(previous, row)
        previous = row.hash
    h = head(tenant)
    assert (h.last_seq, h.last_hash) == (3, trail[-1].hash) and chain.head_is_valid(SECRET, h)
    result = verify_api(client, tenant, admin)
    assert result["ok"] is True and result["broken"] is None
    assert (result["checked"], result["first_seq"], result["last_seq"]) == (3, 1, 3)
    assert result["last_hash"] == trail[-1].hash
    out = cli("verify", "--tenant", tenant.slug)
    assert out.exit_code == 0, out.output
    assert f"{tenant.slug}: OK: 3 rows (seq 1-3)" in out.output


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE audit_events SET action = 'accounts.nothing.happened' WHERE id = :id",
        "UPDATE audit_events SET actor_label = 'someone-else@example.org' WHERE id = :id",
        'UPDATE audit_events SET details = \'{"note": "added later"}\' WHERE id = :id',
        "UPDATE audit_events SET ip = '198.51.100.1' WHERE id = :id",
    ],
    ids=["action", "actor", "details", "ip"],
)
def test_an_edited_field_is_reported_at_its_row(
    tenant, admin, client, trail, tamper, key, page_browser, cli, edit
):
    tamper(edit, id=key(trail[1]))
    result = verify_api(client, tenant, admin)
    assert result["ok"] is False
    assert result["broken"]["seq"] == 2
    assert "changed after it was sealed" in result["broken"]["reason"]
    assert result["broken"]["row_id"] == str(trail[1].id)
    assert result["checked"] == 1  # row 1 verified, row 2 did not
    page = verify_page(page_browser, tenant, admin)
    assert 'id="audit-verify-broken"' in page.text
    assert "The chain is broken at row 2" in page.text
    out = cli("verify", "--tenant", tenant.slug)
    assert out.exit_code == 1
    assert f"{tenant.slug}: BROKEN at seq 2: the row was changed after it was sealed" in out.output


def test_a_deleted_row_is_reported_as_missing(tenant, admin, client, trail, tamper, key, cli):
    tamper("DELETE FROM audit_events WHERE id = :id", id=key(trail[1]))
    result = verify_api(client, tenant, admin)
    assert result["broken"]["seq"] == 2 and "missing" in result["broken"]["reason"]
    out = cli("verify", "--tenant", tenant.slug, "--json")
    assert out.exit_code == 1 and '"seq": 2' in out.output


def test_a_deleted_last_row_is_caught_by_the_signed_head(tenant, admin, client, trail, tamper, key):
    tamper("DELETE FROM audit_events WHERE id = :id", id=key(trail[2]))
    result = verify_api(client, tenant, admin)
    assert result["broken"]["seq"] == 3
    assert "missing at the end of the chain" in result["broken"]["reason"]


def test_a_rehashed_row_breaks_the_next_link(tenant, admin, client, trail, tamper, key, db):
    forged = trail[1]
    db.expunge(forged)
    forged.details = {"forged": True}
    new_hash = chain.row_hash(forged.prev_hash, forged)
    tamper(
        "UPDATE audit_events SET details = :d, hash = :h WHERE id = :id",
        d='{"forged": true}',
        h=new_hash,
        id=key(forged),
    )
    result = verify_api(client, tenant, admin)
    assert result["broken"]["seq"] == 3
    assert "does not link to the previous row" in result["broken"]["reason"]


def test_a_rewritten_chain_end_fails_the_head_signature(
    tenant, admin, client, trail, tamper, key, db
):
    # drop the last row and make the head name row 2, without the secret key
    tamper("DELETE FROM audit_events WHERE id = :id", id=key(trail[2]))
    tamper(
        "UPDATE audit_chain_heads SET last_seq = 2, last_hash = :h WHERE tenant_id = :t",
        h=trail[1].hash,
        t=key(tenant.id),
    )
    result = verify_api(client, tenant, admin)
    assert result["ok"] is False and "signature is invalid" in result["broken"]["reason"]


def test_pending_rows_are_counted_not_checked(registry, tenant, admin, client, trail, db, rows):
    from learninghub.db import utcnow

    db.add(
        AuditEvent(
            tenant_id=tenant.id,
            occurred_at=utcnow(),
            action="accounts.user.suspended",
            details={},
        )
    )
    db.flush()
    c = client(tenant, admin)
    # the viewer shows it as pending; verify seals it first, then checks 4 rows
    page_rows = c.get("/api/v1/audit/events").json["items"]
    assert [i["seq"] for i in page_rows if i["action"] == "accounts.user.suspended"] == [None]
    result = verify_api(client, tenant, admin)
    assert result["ok"] and result["checked"] == 4 and result["pending"] == 0


def test_verify_of_every_tenant_reports_each(
    tenant, other_tenant, user_factory, client, trail, tamper, key, cli
):
    other_admin = user_factory(other_tenant, "admin")
    client(other_tenant, other_admin).patch_json("/api/v1/tenant/settings", {"name": "B"})
    tamper("UPDATE audit_events SET resource_id = 'x' WHERE id = :id", id=key(trail[0]))
    out = cli("verify")
    assert out.exit_code == 1
    assert re.search(rf"^{tenant.slug}: BROKEN at seq 1:", out.output, re.M)
    assert re.search(rf"^{other_tenant.slug}: OK: 1 rows", out.output, re.M)


def test_cli_seal_and_unknown_tenant(registry, tenant, db, cli, rows):
    from learninghub.db import utcnow

    db.add(AuditEvent(tenant_id=tenant.id, occurred_at=utcnow(), action="x.y.exported"))
    db.flush()
    out = cli("seal", "--tenant", tenant.slug)
    assert out.exit_code == 0 and f"{tenant.slug}: sealed 1; head seq 1" in out.output
    assert [r.seq for r in rows(tenant)] == [1]
    missing = cli("verify", "--tenant", "no-such-tenant")
    assert missing.exit_code != 0 and "unknown tenant" in missing.output


def test_sealing_twice_changes_nothing(tenant, trail, db, head):
    before = head(tenant).last_hash
    assert seal_pending(db, tenant.id, SECRET).sealed == 0
    assert head(tenant).last_hash == before
