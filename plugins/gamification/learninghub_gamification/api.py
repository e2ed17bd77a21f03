"""JSON API of the gamification plugin (leaderboards: :mod:`.leaderboards.api`).

Learners (``gamification:achievement:view``):

* ``GET /api/v1/gamification/me`` — points, level and progress, streak, badge count,
  privacy switch;
* ``GET /api/v1/gamification/me/awards`` — my badges, newest first (cursor pages);
* ``PUT /api/v1/gamification/me/privacy`` ``{hide_from_leaderboards}``.

Admins (``gamification:badge:manage``):

* ``GET|POST /api/v1/admin/gamification/badges``, ``GET|PATCH .../badges/{id}``;
* ``POST /api/v1/admin/gamification/awards`` (manual award, audited),
  ``POST /api/v1/admin/gamification/awards/{id}/revoke`` (audited);
* ``GET /api/v1/admin/gamification/rules``, ``PUT .../rules/{rule}`` (audited).

Unknown, malformed and other tenants' ids answer 404 alike.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate
from learninghub.identity import User

from . import badges, openbadges, rules, services
from .models import RULE_KEYS, Award, Badge
from .permissions import GamificationPermission as P
from .schemas import (
    AwardIn,
    AwardOut,
    BadgeIn,
    BadgeListQuery,
    BadgeOut,
    BadgePatch,
    LevelOut,
    MeOut,
    PrivacyIn,
    PrivacyOut,
    RevokeIn,
    RuleIn,
    RuleOut,
    StreakOut,
)

RULE_UPDATED = "gamification.rule.updated"
BADGE_CREATED = "gamification.badge.created"
BADGE_UPDATED = "gamification.badge.updated"


def badge_out(request, b: Badge) -> BadgeOut:
    return BadgeOut(
        id=b.id,
        slug=b.slug,
        name=b.name,
        description=b.description,
        image=b.image,
        image_url=openbadges.image_url(request, b),
        criteria=dict(b.criteria or {}),
        active=b.active,
        created_at=b.created_at,
        url=request.route_url("gamification.api.admin.badge", id=str(b.id)),
        badge_class_url=openbadges.class_url(request, b),
    )


def award_out(request, a: Award, b: Badge) -> AwardOut:
    return AwardOut(
        id=a.id,
        badge_id=b.id,
        badge_slug=b.slug,
        badge_name=b.name,
        user_id=a.user_id,
        awarded_at=a.awarded_at,
        awarded_by=a.awarded_by,
        reason=a.reason,
        revoked_at=a.revoked_at,
        revocation_reason=a.revocation_reason,
        image_url=openbadges.image_url(request, b),
        assertion_url=openbadges.assertion_url(request, a),
    )


def _id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _badge_or_404(request) -> Badge:
    key = _id(request.matchdict["id"])
    badge = badges.get_badge_by_id(request.db, key) if key else None
    if badge is None:
        raise ProblemError(404, "Not found", "no such badge")
    return badge


# ----------------------------------------------------------------- me


@api_view(
    "gamification.api.me",
    "/api/v1/gamification/me",
    "GET",
    response=MeOut,
    permission=P.VIEW,
    summary="My points, level, streak and badges",
    tags=["gamification"],
)
def me(request):
    user = request.identity
    s = services.summary(request, user)
    count = request.db.scalar(
        sa.select(sa.func.count())
        .select_from(Award)
        .where(Award.user_id == user.id, Award.revoked_at.is_(None))
    )
    return MeOut(
        user_id=user.id,
        points=s.points,
        level=LevelOut(
            number=s.level.number,
            floor=s.level.floor,
            next_at=s.level.next_at,
            progress_percent=s.level.progress_percent(s.points),
        ),
        streak=StreakOut(
            current=s.streak_current, longest=s.streak_longest, last_active_day=s.last_active_day
        ),
        badge_count=count or 0,
        hide_from_leaderboards=s.hide_from_leaderboards,
        awards_url=request.route_url("gamification.api.my_awards"),
    )


@api_view(
    "gamification.api.my_awards",
    "/api/v1/gamification/me/awards",
    "GET",
    query=PageQuery,
    response=Page[AwardOut],
    permission=P.VIEW,
    summary="My badges, newest first",
    tags=["gamification"],
)
def my_awards(request, query: PageQuery):
    stmt = sa.select(Award).where(Award.user_id == request.identity.id, Award.revoked_at.is_(None))
    rows, next_cursor = paginate(
        request.db, stmt, Award.awarded_at, Award.id, query, id_type=uuid.UUID
    )
    by_id = _badges_by_id(request.db, {a.badge_id for a in rows})
    return Page[AwardOut](
        items=[award_out(request, a, by_id[a.badge_id]) for a in rows], next_cursor=next_cursor
    )


def _badges_by_id(db, ids) -> dict:
    if not ids:
        return {}
    return {b.id: b for b in db.scalars(sa.select(Badge).where(Badge.id.in_(ids)))}


@api_view(
    "gamification.api.privacy",
    "/api/v1/gamification/me/privacy",
    "PUT",
    body=PrivacyIn,
    response=PrivacyOut,
    permission=P.VIEW,
    summary="Hide me from leaderboards and badge holder lists (or show me again)",
    tags=["gamification"],
)
def put_privacy(request, body: PrivacyIn):
    profile = services.set_privacy(request, request.identity.id, body.hide_from_leaderboards)
    return PrivacyOut(hide_from_leaderboards=profile.hide_from_leaderboards)


# ----------------------------------------------------------------- admin: badges


@api_view(
    "gamification.api.admin.badges",
    "/api/v1/admin/gamification/badges",
    "GET",
    query=BadgeListQuery,
    response=Page[BadgeOut],
    permission=P.MANAGE,
    summary="The tenant's badges, newest first",
    tags=["gamification"],
)
def list_badges(request, query: BadgeListQuery):
    stmt = sa.select(Badge)
    if query.active is not None:
        stmt = stmt.where(Badge.active.is_(query.active))
    rows, next_cursor = paginate(
        request.db, stmt, Badge.created_at, Badge.id, query, id_type=uuid.UUID
    )
    return Page[BadgeOut](items=[badge_out(request, b) for b in rows], next_cursor=next_cursor)


def create_badge(request, body: BadgeIn) -> Badge:
    """A new badge (409 when the slug is taken), audited."""
    db = request.db
    if badges.get_badge(db, body.slug) is not None:
        raise ProblemError(
            409,
            "Conflict",
            "a badge with this slug exists",
            errors=[{"path": ["body", "slug"], "message": "taken", "type": "conflict"}],
        )
    badge = Badge(
        slug=body.slug,
        name=body.name,
        description=body.description,
        image=body.image,
        criteria=body.criteria.model_dump(),
        active=body.active,
    )
    try:
        with db.begin_nested():
            db.add(badge)
            db.flush()
    except IntegrityError:
        raise ProblemError(409, "Conflict", "a badge with this slug exists") from None
    badges.attach_image(request, badge)
    request.emit(
        BADGE_CREATED,
        resource_type="badge",
        resource_id=badge.id,
        payload={"slug": badge.slug, "criteria": badge.criteria},
    )
    _evaluate_later(request, badge)
    return badge


def _evaluate_later(request, badge: Badge) -> None:
    """Learners who already meet an active badge's criteria get it now (a task after
    commit), not only at their next activity."""
    if badge.active and (badge.criteria or {}).get("kind") != "manual":
        request.tasks.enqueue(services.EVALUATE_TASK)


@api_view(
    "gamification.api.admin.badges",
    "/api/v1/admin/gamification/badges",
    "POST",
    body=BadgeIn,
    response=BadgeOut,
    status=201,
    permission=P.MANAGE,
    summary="Create a badge",
    tags=["gamification"],
)
def post_badge(request, body: BadgeIn):
    badge = create_badge(request, body)
    out = badge_out(request, badge)
    request.response.headers["Location"] = out.url
    return out


@api_view(
    "gamification.api.admin.badge",
    "/api/v1/admin/gamification/badges/{id}",
    "GET",
    response=BadgeOut,
    permission=P.MANAGE,
    summary="A badge",
    tags=["gamification"],
)
def get_badge(request):
    return badge_out(request, _badge_or_404(request))


def update_badge(request, badge: Badge, body: BadgePatch) -> Badge:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return badge
    previous = badge.image
    for key, value in changes.items():
        setattr(badge, key, value)
    request.db.flush()
    if "image" in changes:
        badges.attach_image(request, badge, previous)
    request.emit(
        BADGE_UPDATED,
        resource_type="badge",
        resource_id=badge.id,
        payload={"slug": badge.slug, "fields": ",".join(sorted(changes))},
    )
    if {"active", "criteria"} & set(changes):
        _evaluate_later(request, badge)
    return badge


@api_view(
    "gamification.api.admin.badge",
    "/api/v1/admin/gamification/badges/{id}",
    "PATCH",
    body=BadgePatch,
    response=BadgeOut,
    permission=P.MANAGE,
    summary="Change a badge (name, description, image, criteria, active)",
    tags=["gamification"],
)
def patch_badge(request, body: BadgePatch):
    return badge_out(request, update_badge(request, _badge_or_404(request), body))


# ----------------------------------------------------------------- admin: awards


def learner(db, user_id) -> User | None:
    return db.get(User, user_id) if user_id is not None else None


@api_view(
    "gamification.api.admin.awards",
    "/api/v1/admin/gamification/awards",
    "POST",
    body=AwardIn,
    response=AwardOut,
    status=201,
    permission=P.MANAGE,
    summary="Award a badge to a learner by hand (audited)",
    tags=["gamification"],
)
def post_award(request, body: AwardIn):
    db = request.db
    if body.badge_id is not None:
        badge = badges.get_badge_by_id(db, body.badge_id)
    else:
        badge = badges.get_badge(db, body.badge_slug)
    if badge is None:
        raise ProblemError(
            422,
            "Validation failed",
            "no such badge",
            errors=[{"path": ["body", "badge_id"], "message": "no such badge", "type": "missing"}],
        )
    user = learner(db, body.user_id)
    if user is None:
        raise ProblemError(
            422,
            "Validation failed",
            "no such user",
            errors=[{"path": ["body", "user_id"], "message": "no such user", "type": "missing"}],
        )
    award, created = badges.award_manually(request, badge, user, body.reason)
    if not created:
        raise ProblemError(409, "Conflict", "the user already holds this badge")
    out = award_out(request, award, badge)
    request.response.headers["Location"] = out.assertion_url
    return out


@api_view(
    "gamification.api.admin.revoke",
    "/api/v1/admin/gamification/awards/{id}/revoke",
    "POST",
    body=RevokeIn,
    response=AwardOut,
    permission=P.MANAGE,
    summary="Revoke an award (audited)",
    tags=["gamification"],
)
def post_revoke(request, body: RevokeIn):
    key = _id(request.matchdict["id"])
    award = badges.get_award(request.db, key) if key else None
    if award is None:
        raise ProblemError(404, "Not found", "no such award")
    if award.revoked_at is not None:
        raise ProblemError(409, "Conflict", "the award is already revoked")
    badge = badges.get_badge_by_id(request.db, award.badge_id)
    badges.revoke(request, award, badge, body.reason)
    return award_out(request, award, badge)


# ----------------------------------------------------------------- admin: rules


def rules_out(request) -> list[RuleOut]:
    values = rules.rule_values(request.db, services.settings_of(request))
    return [RuleOut(**v.__dict__) for v in values.values()]


@api_view(
    "gamification.api.admin.rules",
    "/api/v1/admin/gamification/rules",
    "GET",
    response=list[RuleOut],
    permission=P.MANAGE,
    summary="The points rules (the tenant's, else the defaults)",
    tags=["gamification"],
)
def get_rules(request):
    return rules_out(request)


def save_rule(request, rule: str, body: RuleIn) -> None:
    rules.set_rule(
        request.db, rule, points=body.points, enabled=body.enabled, by=request.identity.id
    )
    request.emit(
        RULE_UPDATED,
        resource_type="rule",
        resource_id=rule,
        payload={"rule": rule, "points": body.points, "enabled": body.enabled},
    )


@api_view(
    "gamification.api.admin.rule",
    "/api/v1/admin/gamification/rules/{rule}",
    "PUT",
    body=RuleIn,
    response=RuleOut,
    permission=P.MANAGE,
    summary="Set a rule's points and whether it is on (audited)",
    tags=["gamification"],
)
def put_rule(request, body: RuleIn):
    rule = request.matchdict["rule"]
    if rule not in RULE_KEYS:
        raise ProblemError(404, "Not found", "no such rule")
    save_rule(request, rule, body)
    return next(r for r in rules_out(request) if r.rule == rule)
