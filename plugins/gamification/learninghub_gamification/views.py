"""Pages and public documents of the gamification plugin.

Signed-in (``gamification:achievement:view``): ``/achievements`` (my points, level and
progress, streak, badges, the privacy switch: ``POST /achievements/privacy``) and
``/badges/{slug}`` (a badge, its criteria and who holds it, except those who hide).

Public (Open Badges verifiers fetch them): ``/badges/issuer.json``,
``/badges/{slug}/class.json``, ``/badges/{slug}/image.svg`` and
``/badges/assertions/{award_id}.json``.
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.identity import User
from learninghub.shell import gate, render_page
from learninghub.web import require_tenant

from . import badges, has_leaderboard_pages, openbadges, services
from .models import Award, Badge, Profile
from .permissions import GamificationPermission as P

PAGE_SIZE = 24


def _json(value, status: int = 200) -> Response:
    response = Response(
        json.dumps(value, ensure_ascii=False, indent=2),
        status=status,
        content_type="application/ld+json",
        charset="utf-8",
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page_of(request, stmt, sort_col, id_col):
    try:
        return paginate(
            request.db,
            stmt,
            sort_col,
            id_col,
            PageQuery(limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None


def badge_item(request, badge: Badge, award: Award | None = None) -> dict:
    return {
        "badge": badge,
        "award": award,
        "url": request.route_path("gamification.page.badge", slug=badge.slug),
        "image_url": openbadges.image_path(request, badge),
        "assertion_url": openbadges.assertion_url(request, award) if award else None,
        "criteria": openbadges.criteria_narrative(request, badge.criteria or {}),
    }


# ----------------------------------------------------------------- my achievements


def _achievements(request, status: int = 200, **values):
    user = request.identity
    s = services.summary(request, user)
    stmt = sa.select(Award).where(Award.user_id == user.id, Award.revoked_at.is_(None))
    rows, next_cursor = _page_of(request, stmt, Award.awarded_at, Award.id)
    by_id = (
        {
            b.id: b
            for b in request.db.scalars(
                sa.select(Badge).where(Badge.id.in_({a.badge_id for a in rows}))
            )
        }
        if rows
        else {}
    )
    return render_page(
        request,
        "gamification/achievements.jinja2",
        status,
        summary=s,
        progress=s.level.progress_percent(s.points),
        awards=[badge_item(request, by_id[a.badge_id], a) for a in rows],
        next_url=request.route_path(
            "gamification.page.achievements", _query={"cursor": next_cursor}
        )
        if next_cursor
        else None,
        first_page=not request.GET.get("cursor"),
        saved=request.GET.get("saved") == "1",
        leaderboards_url=request.route_path("gamification.page.leaderboards")
        if has_leaderboard_pages(request)
        else None,
        **values,
    )


@view_config(route_name="gamification.page.achievements", request_method="GET")
def achievements_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    return _achievements(request)


@view_config(route_name="gamification.page.privacy", request_method="POST")
def privacy_form(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    choice = request.POST.get("visibility")
    if choice not in ("visible", "hidden"):
        return _achievements(
            request,
            422,
            errors={"visibility": request.gettext("Choose whether others may see you.")},
        )
    services.set_privacy(request, request.identity.id, choice == "hidden")
    return HTTPSeeOther(
        location=request.route_path("gamification.page.achievements", _query={"saved": "1"})
    )


# ----------------------------------------------------------------- a badge


@view_config(route_name="gamification.page.badge", request_method="GET")
def badge_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    badge = badges.get_badge(request.db, request.matchdict["slug"])
    if badge is None:
        raise HTTPNotFound()
    mine = request.db.scalar(
        sa.select(Award).where(
            Award.badge_id == badge.id,
            Award.user_id == request.identity.id,
            Award.revoked_at.is_(None),
        )
    )
    if not badge.active and mine is None and not request.has_permission(P.MANAGE):
        raise HTTPNotFound()
    hidden = sa.select(Profile.user_id).where(Profile.hide_from_leaderboards.is_(True))
    stmt = sa.select(Award).where(
        Award.badge_id == badge.id,
        Award.revoked_at.is_(None),
        Award.user_id.not_in(hidden),
    )
    rows, next_cursor = _page_of(request, stmt, Award.awarded_at, Award.id)
    names = (
        {
            u.id: (u.display_name or request.gettext("A learner"))
            for u in request.db.scalars(
                sa.select(User).where(User.id.in_({a.user_id for a in rows}))
            )
        }
        if rows
        else {}
    )
    total = request.db.scalar(
        sa.select(sa.func.count())
        .select_from(Award)
        .where(Award.badge_id == badge.id, Award.revoked_at.is_(None))
    )
    return render_page(
        request,
        "gamification/badge.jinja2",
        item=badge_item(request, badge, mine),
        holders=[{"name": names.get(a.user_id, ""), "awarded_at": a.awarded_at} for a in rows],
        total=total or 0,
        next_url=request.route_path(
            "gamification.page.badge", slug=badge.slug, _query={"cursor": next_cursor}
        )
        if next_cursor
        else None,
    )


# ----------------------------------------------------------------- Open Badges 2.0


@view_config(route_name="gamification.ob.issuer", request_method="GET")
def issuer_json(request):
    require_tenant(request)
    return _json(openbadges.issuer_profile(request))


@view_config(route_name="gamification.ob.class", request_method="GET")
def badge_class_json(request):
    require_tenant(request)
    badge = badges.get_badge(request.db, request.matchdict["slug"])
    if badge is None:
        raise HTTPNotFound()
    return _json(openbadges.badge_class(request, badge))


@view_config(route_name="gamification.ob.assertion", request_method="GET")
def assertion_json(request):
    require_tenant(request)
    try:
        key = uuid.UUID(request.matchdict["award_id"])
    except ValueError:
        raise HTTPNotFound() from None
    award = badges.get_award(request.db, key)
    if award is None:
        raise HTTPNotFound()
    if award.revoked_at is not None:
        return _json(openbadges.revoked(request, award), status=410)
    badge = badges.get_badge_by_id(request.db, award.badge_id)
    user = request.db.get(User, award.user_id)
    if badge is None or user is None:
        raise HTTPNotFound()
    return _json(openbadges.assertion(request, award, badge, user.email))


@view_config(route_name="gamification.badge_image", request_method="GET")
def badge_image(request):
    require_tenant(request)
    badge = badges.get_badge(request.db, request.matchdict["slug"])
    if badge is None:
        raise HTTPNotFound()
    if not (badge.image or "").startswith("builtin:"):
        raise HTTPNotFound()
    body = badges.builtin_svg(badge.image.removeprefix("builtin:")) or badges.builtin_svg("star")
    response = Response(body=body, content_type="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@view_config(route_name="gamification.badge_media", request_method="GET")
def badge_media_image(request):
    """A badge image of the media library, public (Open Badges verifiers and
    backpacks fetch it) and sandboxed like every media file."""
    from learninghub_media import services as media
    from learninghub_media.delivery import stream

    require_tenant(request)
    badge = badges.get_badge(request.db, request.matchdict["slug"])
    asset_id = badges.media_asset_id(badge) if badge is not None else None
    asset = media.get_asset(request.db, asset_id) if asset_id is not None else None
    if asset is None or not asset.is_ready or asset.content_type not in badges.MEDIA_IMAGE_TYPES:
        raise HTTPNotFound()
    response = stream(request, asset.storage_key, asset.content_type, asset.sha256)
    response.cache_control = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
