"""Open Badges 2.0 hosted verification: the Assertion, BadgeClass and issuer Profile
documents (required fields of the 2.0 specification, absolute same-origin URLs, the
hashed recipient), revocation (410), the badge image, tenant isolation."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pytest

CONTEXT = "https://w3id.org/openbadges/v2"
#: required properties of OB 2.0 (Assertion, BadgeClass, Profile of an Issuer)
ASSERTION = {"@context", "type", "id", "recipient", "badge", "verification", "issuedOn"}
BADGE_CLASS = {"@context", "type", "id", "name", "description", "image", "criteria", "issuer"}
ISSUER = {"@context", "type", "id", "name", "url"}


@pytest.fixture
def awarded(tenant, user_factory, client, ev, feed):
    learner = user_factory(tenant, email="Ada.Lovelace@Example.org")
    feed(tenant, ev.lesson(learner))
    (award,) = client(tenant, learner).get("/api/v1/gamification/me/awards").json["items"]
    return learner, award


def path_of(url: str, tenant) -> str:
    origin = f"http://{tenant.host}"
    assert url.startswith(origin + "/"), url  # absolute, on the tenant's own origin
    return url[len(origin) :]


def test_assertion_badge_class_and_issuer(tenant, client, awarded):
    learner, award = awarded
    anonymous = client(tenant)  # verifiers are not signed in
    r = anonymous.get(path_of(award["assertion_url"], tenant))
    assert r.status_int == 200 and r.content_type == "application/ld+json"
    assertion = r.json
    assert ASSERTION <= set(assertion)
    assert assertion["@context"] == CONTEXT and assertion["type"] == "Assertion"
    assert assertion["id"] == award["assertion_url"]
    assert assertion["verification"] == {"type": "hosted"}
    datetime.fromisoformat(assertion["issuedOn"].replace("Z", "+00:00"))
    recipient = assertion["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    assert re.fullmatch(r"[0-9a-f]{32}", recipient["salt"])
    digest = hashlib.sha256(("ada.lovelace@example.org" + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == "sha256$" + digest
    assert "Ada" not in r.text and "lovelace" not in r.text.lower()  # no plain email

    badge_class = anonymous.get(path_of(assertion["badge"], tenant)).json
    assert BADGE_CLASS <= set(badge_class)
    assert (badge_class["@context"], badge_class["type"]) == (CONTEXT, "BadgeClass")
    assert badge_class["id"] == assertion["badge"] and badge_class["name"] == "First lesson"
    assert badge_class["criteria"]["narrative"] == "Complete 1 lesson."
    path_of(badge_class["criteria"]["id"], tenant)
    image = anonymous.get(path_of(badge_class["image"], tenant))
    assert image.content_type == "image/svg+xml" and image.body.startswith(b"<svg")

    issuer = anonymous.get(path_of(badge_class["issuer"], tenant)).json
    assert ISSUER <= set(issuer)
    assert (issuer["@context"], issuer["type"]) == (CONTEXT, "Issuer")
    assert issuer["id"] == badge_class["issuer"] and issuer["name"] == tenant.orm.name
    path_of(issuer["url"], tenant)


def test_a_revoked_assertion_answers_410(tenant, user_factory, client, awarded):
    _, award = awarded
    admin = client(tenant, user_factory(tenant, "admin"))
    r = admin.post_json(
        f"/api/v1/admin/gamification/awards/{award['id']}/revoke", {"reason": "Awarded by mistake"}
    )
    assert r.status_int == 200
    r = client(tenant).get(path_of(award["assertion_url"], tenant), status=410)
    assert r.json["revoked"] is True and r.json["revocationReason"] == "Awarded by mistake"
    assert r.json["id"] == award["assertion_url"]


def test_unknown_and_other_tenants_documents_are_404(tenant, other_tenant, client, awarded):
    _, award = awarded
    path = path_of(award["assertion_url"], tenant)
    theirs = client(other_tenant)
    assert theirs.get(path).status_int == 404
    assert theirs.get("/badges/issuer.json").json["name"] == other_tenant.orm.name
    ours = client(tenant)
    for missing in (
        "/badges/assertions/not-a-uuid.json",
        "/badges/assertions/00000000-0000-0000-0000-000000000000.json",
        "/badges/no-such-badge/class.json",
        "/badges/no-such-badge/image.svg",
    ):
        assert ours.get(missing).status_int == 404, missing
