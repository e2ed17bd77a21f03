"""Admin pages: /admin/audit (viewer), /admin/audit/verify and /admin/audit/export.csv."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from learninghub.testing.plugin import PASSWORD
from learninghub_audit import chain
from learninghub_audit.export import COLUMNS

VIEWER = "/admin/audit"
VERIFY = "/admin/audit/verify"
EXPORT = "/admin/audit/export.csv"
PAGES = (VIEWER, VERIFY, EXPORT)


@pytest.fixture
def activity(tenant, admin, user_factory, client, sign_in):
    learner = user_factory(tenant, "learner", email="lena@example.org")
    assert sign_in(tenant, learner.email, PASSWORD).status_int == 200
    assert sign_in(tenant, learner.email, "not the password").status_int == 401
    changed = client(tenant, admin).patch_json("/api/v1/tenant/settings", {"name": "X"})
    assert changed.status_int == 200
    return learner


def cells(page) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code>", page.text)


def test_viewer_lists_rows_with_their_facts(tenant, admin, page_browser, activity):
    page = page_browser(tenant, admin).get(VIEWER)
    assert page.status_int == 200, page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert cells(page) == [
        "tenant.settings_changed",
        "accounts.signin.failed",
        "accounts.signin.succeeded",
    ]
    assert "lena@example.org" in page.text and "203.0.113.7" in page.text
    assert "AuditTest/1.0 (pytest)" in page.text and "req-audit-0001" in page.text
    assert 'aria-current="page">Audit log</a>' in page.text  # the admin shell's section
    assert f'href="{EXPORT}?"' in page.text or f'href="{EXPORT}"' in page.text


def test_viewer_filters(tenant, admin, page_browser, activity):
    b = page_browser(tenant, admin)
    assert cells(b.get(VIEWER, params={"action": "accounts."})) == [
        "accounts.signin.failed",
        "accounts.signin.succeeded",
    ]
    assert cells(b.get(VIEWER, params={"actor": "lena"})) == ["accounts.signin.succeeded"]
    assert cells(b.get(VIEWER, params={"resource": "tenant"})) == ["tenant.settings_changed"]
    assert cells(b.get(VIEWER, params={"from": "2000-01-01", "to": "2000-01-02"})) == []
    filtered = b.get(VIEWER, params={"action": "accounts.", "resource": "user"})
    assert f'href="{EXPORT}?action=accounts.&amp;resource=user"' in filtered.text
    bad = b.get(VIEWER, params={"from": "yesterday"})
    assert bad.status_int == 422 and 'href="#f-from"' in bad.text
    reversed_period = b.get(VIEWER, params={"from": "2026-02-01", "to": "2026-01-01"})
    assert reversed_period.status_int == 422
    assert b.get(VIEWER, params={"cursor": "garbage!"}).status_int == 400


def test_viewer_paginates(tenant, admin, client, page_browser):
    c = client(tenant, admin)
    for i in range(55):
        c.patch_json("/api/v1/tenant/settings", {"name": f"Name {i}"})
    b = page_browser(tenant, admin)
    first = b.get(VIEWER)
    assert len(cells(first)) == 50
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    second = b.get(next_url.replace("&amp;", "&"))
    assert len(cells(second)) == 5 and 'rel="next"' not in second.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_refuse_visitors_learners_and_instructors(tenant, user_factory, page_browser, path):
    visitor = page_browser(tenant).get(path)
    assert visitor.status_int == 303 and "/login?next=" in visitor.location
    for role in ("learner", "instructor"):
        assert page_browser(tenant, user_factory(tenant, role)).get(path).status_int == 403


@pytest.mark.parametrize("path", PAGES)
def test_pages_never_show_another_tenants_trail(
    tenant, other_tenant, admin, user_factory, page_browser, session_cookie, activity, path
):
    # A's session cookie replayed on B's host is not a session there
    replayed = page_browser(other_tenant, cookie=session_cookie(tenant, admin)).get(path)
    assert replayed.status_int == 303
    # B's admin sees B's (empty) trail
    theirs = page_browser(other_tenant, user_factory(other_tenant, "admin")).get(path)
    assert theirs.status_int == 200
    assert "lena@example.org" not in theirs.text and "203.0.113.7" not in theirs.text


def test_admin_section_is_listed_for_admins_only(tenant, admin, page_browser):
    assert 'href="/admin/audit"' in page_browser(tenant, admin).get("/admin").text


def test_verify_page_reports_ok(tenant, admin, page_browser, activity):
    page = page_browser(tenant, admin).get(VERIFY)
    assert page.status_int == 200 and 'id="audit-verify-ok"' in page.text
    assert "3 rows checked, from row 1 to row 3" in page.text


# ----------------------------------------------------------------- export


def parse(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


class Row:
    """A CSV line read back into the fields the chain hash covers (the documented
    offline check: strip the formula guard, empty means null, JSON columns parse)."""

    NULLABLE = {"seq", "actor_id", "event_id", "through_seq", "signature", "prev_hash", "hash"}
    JSON = {"old_values", "new_values", "details"}

    def __init__(self, line: dict[str, str]):
        for name, raw in line.items():
            value = (
                raw[1:] if raw[:1] == "'" and raw[1:2] in ("=", "+", "-", "@", "\t", "\r") else raw
            )
            if name in self.JSON:
                value = json.loads(value) if value else None
            elif name in self.NULLABLE and value == "":
                value = None
            elif name in ("seq", "through_seq") and value is not None:
                value = int(value)
            setattr(self, name, value)
        self.actor_label = self.actor


def test_export_is_the_trail_as_csv_and_checks_offline(
    tenant, admin, page_browser, activity, sign_in, user_factory, rows
):
    other = user_factory(tenant, "learner")
    assert sign_in(tenant, other.email, "wrong one here!").status_int == 401

    r = page_browser(tenant, admin).get(EXPORT)
    assert r.status_int == 200, r.text
    assert r.content_type == "text/csv"
    assert r.headers["Content-Disposition"].startswith(
        f'attachment; filename="audit-{tenant.slug}-'
    )
    lines = parse(r.text)
    assert [line["action"] for line in lines] == [
        "accounts.signin.succeeded",
        "accounts.signin.failed",
        "tenant.settings_changed",
        "accounts.signin.failed",
    ]
    assert {line["tenant_id"] for line in lines} == {str(tenant.id)}
    # offline: the hashes recompute from the exported fields alone
    previous = chain.GENESIS
    for line in lines:
        row = Row(line)
        assert row.prev_hash == previous and chain.row_hash(previous, row) == row.hash
        previous = row.hash
    # the export itself is recorded, with who, what and how many
    (exported,) = rows(tenant, "audit.events.exported")
    assert exported.actor_id == admin.id
    assert exported.details == {"format": "csv", "rows": 4, "filters": {}}
    assert exported.resource_type == "audit_trail"


def test_export_guards_against_formulas(tenant, admin, client, page_browser, user_factory):
    learner = user_factory(tenant, "learner")
    client(tenant).post_json(
        "/api/v1/auth/token",
        {"email": learner.email, "password": PASSWORD},
        headers={"User-Agent": '=HYPERLINK("http://evil.example","x")'},
    )
    lines = parse(page_browser(tenant, admin).get(EXPORT).text)
    (line,) = [ln for ln in lines if ln["action"] == "accounts.signin.succeeded"]
    assert line["user_agent"] == '\'=HYPERLINK("http://evil.example","x")'


def test_export_applies_the_filters_and_records_them(tenant, admin, page_browser, activity, rows):
    r = page_browser(tenant, admin).get(EXPORT, params={"action": "accounts.signin.failed"})
    assert [line["action"] for line in parse(r.text)] == ["accounts.signin.failed"]
    (exported,) = rows(tenant, "audit.events.exported")
    assert exported.details == {
        "format": "csv",
        "rows": 1,
        "filters": {"action": "accounts.signin.failed"},
    }
    bad = page_browser(tenant, admin).get(EXPORT, params={"to": "not a date"})
    assert bad.status_int == 422 and rows(tenant, "audit.events.exported") == [exported]


def test_each_tenant_exports_its_own_trail(
    tenant, other_tenant, admin, user_factory, page_browser, activity, rows
):
    other_admin = user_factory(other_tenant, "admin")
    r = page_browser(other_tenant, other_admin).get(EXPORT)
    assert r.status_int == 200 and parse(r.text) == []
    (exported,) = rows(other_tenant, "audit.events.exported")
    assert exported.actor_id == other_admin.id
    assert rows(tenant, "audit.events.exported") == []
