"""Open Badges 2.0 hosted verification: the Assertion, BadgeClass and issuer Profile
documents (required fields of the 2.0 specification, absolute same-origin URLs, the
hashed recipient), revocation (410), the badge image, tenant isolation."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

CONTEXT = "https://w3id.org/openbadges/v2"
#: required properties of OB 2.0 (Assertion, BadgeClass, Profile of an Issuer)
ASSERTION = {"@context", "type", "id", "recipient", "badge", "verification", "issuedOn"}
BADGE_CLASS = {"@context", "type", "id", "name", "description", "image", "criteria", "issuer"}
ISSUER = {"@context", "type", "id", "name", "url"}
BADGES = "/api/v1/admin/gamification/badges"


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


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def test_a_badge_image_from_the_media_library(
    tenant, other_tenant, user_factory, client, db, open_request
):
    from learninghub.db import utcnow
    from learninghub.interfaces import IFileStorage
    from learninghub_media.models import MediaAsset, MediaAttachment

    admin_user = user_factory(tenant, "admin")
    admin = client(tenant, admin_user)

    def asset(t, content_type, owner):
        key = f"test/{uuid.uuid4().hex}"
        with open_request(t) as request:
            request.find_service(IFileStorage).save(t.id, key, PNG)
        row = MediaAsset(
            id=uuid.uuid4(),
            tenant_id=t.id,
            owner_id=owner.id,
            filename="badge.png",
            content_type=content_type,
            size=len(PNG),
            sha256="0" * 64,
            storage_key=key,
            status="ready",
            created_at=utcnow(),
        )
        db.add(row)
        db.flush()
        return row

    png = asset(tenant, "image/png", admin_user)
    video = asset(tenant, "video/mp4", admin_user)
    foreign = asset(other_tenant, "image/png", user_factory(other_tenant, "admin"))
    base = {"slug": "custom", "name": "Custom", "criteria": {"kind": "manual"}}
    for bad in (video.id, foreign.id, uuid.uuid4()):
        r = admin.post_json(BADGES, {**base, "image": f"media:{bad}"})
        assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "image"], bad
    r = admin.post_json(BADGES, {**base, "image": f"media:{png.id}"})
    assert r.status_int == 201, r.text
    uses = sa.select(MediaAttachment.owner_kind).where(MediaAttachment.asset_id == png.id)
    assert list(db.scalars(uses)) == ["gamification.badge"]  # the library knows it is used
    image_url = client(tenant).get("/badges/custom/class.json").json["image"]
    assert image_url == f"http://{tenant.host}/badges/custom/image"
    image = client(tenant).get("/badges/custom/image")  # public, for verifiers
    assert image.content_type == "image/png" and image.body == PNG
    assert client(tenant).get("/badges/custom/image.svg").status_int == 404
    assert client(other_tenant).get("/badges/custom/image").status_int == 404
    r = admin.patch_json(r.json["url"], {"image": "builtin:star"})
    assert r.json["image_url"].endswith("/badges/custom/image.svg")
    assert client(tenant).get("/badges/custom/image").status_int == 404
    db.expire_all()
    assert list(db.scalars(uses)) == []
