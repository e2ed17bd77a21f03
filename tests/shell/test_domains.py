"""Custom domains: page and API rules, the verification answer, the TLS ask endpoint,
tenant isolation, and DNS verification end to end against a real local DNS server."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub.tenancy import TenantDomain

API = "/api/v1/tenant/domains"
PAGE = "/admin/domains"
ASK = "/.well-known/learninghub/tls-ask"
WELL_KNOWN = "/.well-known/learninghub-domain-verification"


@pytest.fixture
def add_row(db, registry):
    """Insert a domain row directly (set-up that is not about adding)."""

    def add(tenant, domain, verified=False, age=timedelta(0)):
        row = TenantDomain(
            tenant_id=tenant.id,
            domain=domain,
            verified=verified,
            verified_by="dns" if verified else "",
            verification_token=uuid.uuid4().hex,
            created_at=utcnow() - age,
        )
        db.add(row)
        db.flush()
        registry["tenancy.resolver"].invalidate()
        return row

    return add


@pytest.fixture
def local_checks(registry, monkeypatch, dns_zone):
    """Point both checks at loopback: the DNS check at the test DNS server, the HTTP check
    at a closed port (so it fails at once, without leaving the machine)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setitem(registry.settings, "domains.dns_nameservers", [dns_zone.address])
    monkeypatch.setitem(registry.settings, "domains.verify_connect", f"127.0.0.1:{closed}")
    return dns_zone


# ----------------------------------------------------------------- authorization


def test_page_for_visitor_learner_admin(tenant, user_factory, page):
    r = page(tenant).get(PAGE)
    assert r.status_int == 303 and "/login?next=/admin/domains" in r.headers["Location"]
    assert page(tenant, user_factory(tenant, "learner")).get(PAGE).status_int == 403
    r = page(tenant, user_factory(tenant, "admin")).get(PAGE)
    assert r.status_int == 200 and "<h1>Domains</h1>" in r.text
    assert f"{tenant.slug}.learninghub.test" in r.text


def test_learner_cannot_add_on_the_page(tenant, user_factory, page, db):
    learner = page(tenant, user_factory(tenant, "learner"))
    r = learner.post(PAGE, {"action": "add", "domain": "learn.example.org"})
    assert r.status_int == 403
    assert db.query(TenantDomain).filter_by(tenant_id=tenant.id).count() == 0


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", API),
        ("POST", API),
        ("DELETE", API + "/{id}"),
        ("POST", API + "/{id}/verify"),
    ],
)
def test_api_for_anonymous_learner_and_other_tenant(
    tenant, other_tenant, user_factory, client, foreign_client, add_row, method, path
):
    row = add_row(tenant, "learn.example.org")
    path = path.format(id=row.id)

    def call(c):
        if method == "GET":
            return c.get(path)
        if method == "DELETE":
            return c.delete(path)
        return c.post_json(path, {"domain": "x.example.org"} if path == API else None)

    assert call(client(tenant)).status_int == 401
    assert call(client(tenant, user_factory(tenant, "learner"))).status_int == 403
    assert call(foreign_client(tenant, other_tenant)).status_int == 401
    assert call(client(None, host="nowhere.example")).status_int == 404


# ----------------------------------------------------------------- adding


@pytest.mark.parametrize(
    "value",
    [
        "",
        "localhost",
        "https://learn.example.org",
        "learn.example.org/path",
        "learn example.org",
        "-bad.example.org",
        "127.0.0.1",
        "a" * 64 + ".example.org",
        "xn--.example.org",
    ],
)
def test_invalid_domains_are_refused(tenant, user_factory, client, value):
    r = client(tenant, user_factory(tenant, "admin")).post_json(API, {"domain": value})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "domain"]


@pytest.mark.parametrize(
    "value", ["learninghub.test", "other.learninghub.test", "a.b.LEARNINGHUB.test."]
)
def test_platform_domains_are_refused(tenant, user_factory, client, value):
    r = client(tenant, user_factory(tenant, "admin")).post_json(API, {"domain": value})
    assert r.status_int == 422
    assert "learninghub.test are the platform's" in r.json["detail"]


def test_add_normalizes_and_lists(tenant, user_factory, client, events):
    admin = client(tenant, user_factory(tenant, "admin"))
    r = admin.post_json(API, {"domain": "  Learn.Example.ORG. "})
    assert r.status_int == 201, r.text
    out = r.json
    assert out["domain"] == "learn.example.org" and out["verified"] is False
    assert r.headers["Location"].endswith(f"{API}/{out['id']}")
    token = out["verification"]["http_body"]
    assert len(token) >= 24
    assert out["verification"] == {
        "dns_name": "_learninghub-challenge.learn.example.org",
        "dns_value": f"learninghub-verification={token}",
        "http_url": "http://learn.example.org/.well-known/learninghub-domain-verification",
        "http_body": token,
    }
    assert admin.post_json(API, {"domain": "bücher.example"}).json["domain"] == (
        "xn--bcher-kva.example"
    )
    listing = admin.get(API + "?limit=1").json
    assert [d["domain"] for d in listing["items"]] == ["xn--bcher-kva.example"]
    more = admin.get(API + f"?limit=1&cursor={listing['next_cursor']}").json
    assert [d["domain"] for d in more["items"]] == ["learn.example.org"]
    assert more["next_cursor"] is None
    assert admin.get(API + "?limit=500").status_int == 422
    assert events.names() == ["tenant.domain_added", "tenant.domain_added"]
    assert events.events[0].payload == {"domain": "learn.example.org"}


def test_conflicts(tenant, other_tenant, user_factory, client, add_row):
    admin = client(tenant, user_factory(tenant, "admin"))
    assert admin.post_json(API, {"domain": "learn.example.org"}).status_int == 201
    assert admin.post_json(API, {"domain": "LEARN.example.org"}).status_int == 409
    add_row(other_tenant, "taken.example.org", verified=True, age=timedelta(days=30))
    add_row(other_tenant, "claimed.example.org", age=timedelta(days=1))
    r = admin.post_json(API, {"domain": "taken.example.org"})
    assert r.status_int == 409 and "Another site uses taken.example.org." in r.json["detail"]
    assert admin.post_json(API, {"domain": "claimed.example.org"}).status_int == 409


def test_a_stale_unverified_claim_of_another_tenant_is_released(
    tenant, other_tenant, user_factory, client, add_row, db
):
    add_row(other_tenant, "squat.example.org", age=timedelta(days=8))
    r = client(tenant, user_factory(tenant, "admin")).post_json(
        API, {"domain": "squat.example.org"}
    )
    assert r.status_int == 201
    db.expire_all()
    rows = db.query(TenantDomain).filter_by(domain="squat.example.org").all()
    assert [row.tenant_id for row in rows] == [tenant.id]


def test_at_most_twenty_domains(tenant, user_factory, client, add_row):
    for i in range(20):
        add_row(tenant, f"d{i}.example.org")
    r = client(tenant, user_factory(tenant, "admin")).post_json(API, {"domain": "x.example.org"})
    assert r.status_int == 422 and "at most 20 domains" in r.json["detail"]


def test_body_must_be_a_domain_object(tenant, user_factory, client):
    admin = client(tenant, user_factory(tenant, "admin"))
    assert admin.post_json(API, {}).status_int == 422
    assert admin.post_json(API, {"domain": "a.example.org", "x": 1}).status_int == 422


# ----------------------------------------------------------------- page flow


def test_page_add_verify_failure_and_remove(tenant, user_factory, page, local_checks, events):
    admin = page(tenant, user_factory(tenant, "admin"))
    r = admin.post(PAGE, {"action": "add", "domain": "Learn.Example.org"})
    assert r.status_int == 303
    shown = admin.get(r.headers["Location"].split("#")[0])
    assert "learn.example.org added." in shown.text
    assert "_learninghub-challenge.learn.example.org" in shown.text
    assert "learninghub-verification=" in shown.text
    assert "http://learn.example.org/.well-known/learninghub-domain-verification" in shown.text
    domain_id = shown.text.split('name="domain_id" value="', 1)[1].split('"', 1)[0]
    r = admin.post(PAGE, {"action": "verify", "domain_id": domain_id})
    assert r.status_int == 422
    assert "learn.example.org could not be verified" in r.text
    assert "DNS: no record _learninghub-challenge.learn.example.org" in r.text
    assert "HTTP: could not fetch" in r.text and "(connection refused)" in r.text
    again = admin.get(PAGE)
    assert "Last check" in again.text  # the failed check was recorded
    bad = admin.post(PAGE, {"action": "add", "domain": "x.learninghub.test"})
    assert bad.status_int == 422 and 'role="alert"' in bad.text
    assert admin.post(PAGE, {"action": "verify", "domain_id": str(uuid.uuid4())}).status_int == 404
    r = admin.post(PAGE, {"action": "delete", "domain_id": domain_id})
    assert r.status_int == 303
    assert "Domain removed." in admin.get(r.headers["Location"]).text
    assert events.names() == ["tenant.domain_added", "tenant.domain_removed"]


# ----------------------------------------------------------------- isolation


def test_admin_of_one_tenant_cannot_see_or_change_another(
    tenant, other_tenant, user_factory, client, page, add_row, db
):
    theirs = add_row(other_tenant, "theirs.example.org")
    mine = add_row(tenant, "mine.example.org")
    a_user = user_factory(tenant, "admin")
    a = client(tenant, a_user)
    assert [d["domain"] for d in a.get(API).json["items"]] == ["mine.example.org"]
    assert a.delete(f"{API}/{theirs.id}").status_int == 404
    assert a.post_json(f"{API}/{theirs.id}/verify").status_int == 404
    a_page = page(tenant, a_user)
    assert a_page.post(PAGE, {"action": "delete", "domain_id": str(theirs.id)}).status_int == 404
    assert "theirs.example.org" not in a_page.get(PAGE).text
    # A's session cookie means nothing on B's host
    hijack = page(other_tenant)
    hijack.cookies.update(a_page.cookies)
    assert hijack.get(PAGE).status_int == 303
    db.expire_all()
    assert db.get(TenantDomain, theirs.id) is not None
    assert client(other_tenant, user_factory(other_tenant, "admin")).get(API).json["items"][0][
        "id"
    ] == str(theirs.id)
    assert mine.id != theirs.id


# ----------------------------------------------------------------- unverified, ask, well-known


def test_unverified_domain_serves_nothing_but_its_token(tenant, client, add_row):
    row = add_row(tenant, "learn.example.org")
    on_domain = client(None, host="learn.example.org")
    for path in ("/", "/login", "/dashboard", "/admin/domains", "/api/v1/openapi.json"):
        assert on_domain.get(path).status_int == 404, path
    assert tenant.orm.name not in on_domain.get("/").text
    answer = on_domain.get(WELL_KNOWN)
    assert answer.status_int == 200 and answer.text == row.verification_token
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.headers["Cache-Control"] == "no-store"
    assert client(None, host="other.example.org").get(WELL_KNOWN).status_int == 404
    assert client(tenant).get(WELL_KNOWN).status_int == 404
    assert client(None, host="localhost").get(f"{ASK}?domain=learn.example.org").status_int == 404


def test_verified_domain_serves_the_tenant(tenant, client, add_row):
    add_row(tenant, "learn.example.org", verified=True)
    on_domain = client(None, host="learn.example.org")
    home = on_domain.get("/")
    assert home.status_int == 200 and tenant.orm.name in home.text
    assert on_domain.get(WELL_KNOWN).status_int == 404  # verified: no token any more


@pytest.mark.parametrize("asking_host", ["localhost", "127.0.0.1", "unknown.invalid", None])
def test_tls_ask(tenant, other_tenant, client, add_row, db, registry, asking_host):
    add_row(tenant, "verified.example.org", verified=True)
    add_row(tenant, "pending.example.org")
    other_tenant.orm.status = "suspended"
    db.flush()
    registry["tenancy.resolver"].invalidate()
    asker = client(tenant) if asking_host is None else client(None, host=asking_host)
    expected = {
        "verified.example.org": 200,
        "VERIFIED.example.org.": 200,
        f"{tenant.slug}.learninghub.test": 200,
        "pending.example.org": 404,
        f"{other_tenant.slug}.learninghub.test": 404,  # suspended
        "nobody.learninghub.test": 404,
        f"x.{tenant.slug}.learninghub.test": 404,
        "learninghub.test": 404,
        "unknown.example.org": 404,
        "localhost": 404,
        "": 404,
        "not a domain": 404,
    }
    for domain, status in expected.items():
        r = asker.get(ASK, params={"domain": domain})
        assert r.status_int == status, (domain, r.status_int)
    assert asker.get(ASK).status_int == 404


# ----------------------------------------------------------------- DNS end to end


def test_dns_verification_end_to_end(tenant, user_factory, client, local_checks, events, registry):
    zone = local_checks
    admin = client(tenant, user_factory(tenant, "admin"))
    out = admin.post_json(API, {"domain": "learn.acme-school.example"}).json
    verify = f"{API}/{out['id']}/verify"
    on_domain = client(None, host="learn.acme-school.example")
    assert on_domain.get("/").status_int == 404

    r = admin.post_json(verify)
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["title"] == "Verification failed"
    assert "DNS: no record _learninghub-challenge.learn.acme-school.example" in r.json["detail"]
    assert r.json["domain"]["verified"] is False
    listed = admin.get(API).json["items"][0]
    assert listed["last_checked_at"] is not None and listed["last_error"] == r.json["detail"]

    zone.txt["_learninghub-challenge.learn.acme-school.example"] = [
        "learninghub-verification=wrong",
        "v=spf1 -all",
    ]
    r = admin.post_json(verify)
    assert r.status_int == 422 and "does not hold learninghub-verification=" in r.json["detail"]
    assert on_domain.get("/").status_int == 404
    assert (
        client(None, host="localhost").get(ASK, params={"domain": out["domain"]}).status_int == 404
    )

    zone.txt["_learninghub-challenge.learn.acme-school.example"].append(
        out["verification"]["dns_value"]
    )
    r = admin.post_json(verify)
    assert r.status_int == 200, r.text
    assert r.json["verified"] is True and r.json["verified_by"] == "dns"
    assert r.json["verified_at"] is not None and r.json["last_error"] == ""
    assert zone.queries.count("_learninghub-challenge.learn.acme-school.example") == 3

    home = on_domain.get("/")
    assert home.status_int == 200 and tenant.orm.name in home.text
    assert (
        client(None, host="localhost").get(ASK, params={"domain": out["domain"]}).status_int == 200
    )
    assert admin.post_json(verify).status_int == 200  # already verified: no new lookup
    assert zone.queries.count("_learninghub-challenge.learn.acme-school.example") == 3
    assert "tenant.domain_verified" in events.names()
    verified = [e for e in events.events if e.name == "tenant.domain_verified"][0]
    assert verified.payload == {"domain": "learn.acme-school.example", "method": "dns"}

    assert admin.delete(f"{API}/{out['id']}").status_int == 204
    assert on_domain.get("/").status_int == 404
    assert (
        client(None, host="localhost").get(ASK, params={"domain": out["domain"]}).status_int == 404
    )
    assert events.names()[-1] == "tenant.domain_removed"


def test_openapi_lists_the_branding_and_domain_endpoints(tenant, client):
    paths = client(tenant).get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/tenant/domains"]) == {"get", "post"}
    assert set(paths["/api/v1/tenant/domains/{id}"]) == {"delete"}
    assert set(paths["/api/v1/tenant/domains/{id}/verify"]) == {"post"}
    assert set(paths["/api/v1/tenant/branding"]) == {"get", "patch"}
    assert set(paths["/api/v1/tenant/branding/logo"]) == {"put", "delete"}
    assert set(paths["/api/v1/tenant/branding/favicon"]) == {"put", "delete"}
