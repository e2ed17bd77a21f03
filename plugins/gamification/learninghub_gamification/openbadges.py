"""Open Badges 2.0 hosted verification (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html).

* ``/badges/issuer.json`` — the tenant's issuer Profile;
* ``/badges/{slug}/class.json`` — a BadgeClass (``issuer`` → the Profile);
* ``/badges/assertions/{award_id}.json`` — an Assertion (``badge`` → the BadgeClass),
  its recipient the learner's email hashed with the award's salt
  (``sha256$`` + hex of SHA-256 over email + salt), ``verification: {"type": "hosted"}``.
  A revoked award answers 410 with ``{"revoked": true, "revocationReason": ...}``.

Every URL is absolute (the request's host: the tenant's address).
"""

from __future__ import annotations

import hashlib

from .models import Award, Badge

CONTEXT = "https://w3id.org/openbadges/v2"


def hashed_identity(email: str, salt: str) -> str:
    """``sha256$`` + the hex digest of the (lower-cased, trimmed) email followed by the salt."""
    normalised = email.strip().lower()
    return "sha256$" + hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()


def issuer_url(request) -> str:
    return request.route_url("gamification.ob.issuer")


def class_url(request, badge: Badge) -> str:
    return request.route_url("gamification.ob.class", slug=badge.slug)


def image_url(request, badge: Badge) -> str:
    """``/badges/{slug}/image.svg`` for a built-in image, ``/badges/{slug}/image`` for one
    of the media library."""
    if (badge.image or "").startswith("media:"):
        return request.route_url("gamification.badge_media", slug=badge.slug)
    return request.route_url("gamification.badge_image", slug=badge.slug)


def image_path(request, badge: Badge) -> str:
    if (badge.image or "").startswith("media:"):
        return request.route_path("gamification.badge_media", slug=badge.slug)
    return request.route_path("gamification.badge_image", slug=badge.slug)


def assertion_url(request, award: Award) -> str:
    return request.route_url("gamification.ob.assertion", award_id=str(award.id))


def issuer_profile(request) -> dict:
    tenant = request.tenant
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(request),
        "name": tenant.name,
        "url": request.application_url + "/",
    }


def badge_class(request, badge: Badge) -> dict:
    narrative = criteria_narrative(request, badge.criteria or {})
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": class_url(request, badge),
        "name": badge.name,
        "description": badge.description or badge.name,
        "image": image_url(request, badge),
        "criteria": {
            "id": request.route_url("gamification.page.badge", slug=badge.slug),
            "narrative": narrative,
        },
        "issuer": issuer_url(request),
    }


def assertion(request, award: Award, badge: Badge, email: str) -> dict:
    issued = award.awarded_at
    data = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(request, award),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": hashed_identity(email, award.salt),
        },
        "badge": class_url(request, badge),
        "verification": {"type": "hosted"},
        "issuedOn": issued.isoformat().replace("+00:00", "Z"),
        "image": image_url(request, badge),
    }
    if award.reason:
        data["narrative"] = award.reason
    return data


def revoked(request, award: Award) -> dict:
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(request, award),
        "revoked": True,
        "revocationReason": award.revocation_reason,
    }


def criteria_narrative(request, criteria: dict) -> str:
    """The badge's criteria in words (the tenant's language of the request)."""
    kind = criteria.get("kind")
    if kind == "lesson_completions":
        n = int(criteria.get("count") or 1)
        return request.ngettext("Complete %(num)s lesson.", "Complete %(num)s lessons.", n)
    if kind == "course_completions":
        n = int(criteria.get("count") or 1)
        return request.ngettext("Complete %(num)s course.", "Complete %(num)s courses.", n)
    if kind == "perfect_scores":
        n = int(criteria.get("count") or 1)
        return request.ngettext(
            "Score full marks on %(num)s quiz.", "Score full marks on %(num)s quizzes.", n
        )
    if kind == "streak":
        n = int(criteria.get("days") or 1)
        return request.ngettext("Learn %(num)s day in a row.", "Learn %(num)s days in a row.", n)
    if kind == "points":
        n = int(criteria.get("total") or 0)
        return request.ngettext("Earn %(num)s point.", "Earn %(num)s points.", n)
    return request.gettext("Awarded by the organisation.")
