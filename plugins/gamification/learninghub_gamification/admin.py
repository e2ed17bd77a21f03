"""The admin page of the gamification plugin: ``/admin/gamification`` (admins:
``gamification:badge:manage``).

Rules (points and on/off per rule), badges (create, activate/deactivate), manual awards
(by the learner's email) and the latest awards with their revocation. Forms are POSTs
with a CSRF token; success redirects (303) with a notice, invalid input re-renders the
page (422) with its errors. Every change is audited (the same events as the API).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.identity import User
from learninghub.shell import gate, render_page

from . import api, badges, openbadges, rules, services
from .badges import BUILTIN_IMAGES
from .models import RULE_KEYS, Award, Badge
from .permissions import GamificationPermission as P
from .schemas import BadgeIn, BadgePatch, RevokeIn, RuleIn

PAGE_SIZE = 25
DONE = {
    "rules": N_("Rules saved."),
    "badge": N_("Badge created."),
    "badge-updated": N_("Badge updated."),
    "awarded": N_("Badge awarded."),
    "revoked": N_("Award revoked."),
}
RULE_LABELS = {
    "lesson_completed": N_("Lesson completed"),
    "quiz_passed": N_("Quiz passed"),
    "perfect_score": N_("Perfect quiz score"),
    "course_completed": N_("Course completed"),
    "review_posted": N_("Course review posted"),
    "daily_streak": N_("Daily streak continued"),
}
CRITERIA_LABELS = {
    "lesson_completions": N_("Lessons completed"),
    "course_completions": N_("Courses completed"),
    "perfect_scores": N_("Perfect quiz scores"),
    "streak": N_("Days in a row"),
    "points": N_("Total points"),
    "manual": N_("Awarded by hand"),
}
#: the criteria field holding the number, per kind
CRITERIA_NUMBER = {
    "lesson_completions": "count",
    "course_completions": "count",
    "perfect_scores": "count",
    "streak": "days",
    "points": "total",
}


def _page(request, status: int = 200, **values):
    db = request.db
    try:
        award_rows, next_cursor = paginate(
            db,
            sa.select(Award),
            Award.awarded_at,
            Award.id,
            PageQuery(limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    all_badges = list(db.scalars(sa.select(Badge).order_by(Badge.created_at, Badge.slug)))
    by_id = {b.id: b for b in all_badges}
    users = (
        {
            u.id: u
            for u in db.scalars(sa.select(User).where(User.id.in_({a.user_id for a in award_rows})))
        }
        if award_rows
        else {}
    )
    done = request.GET.get("done")
    return render_page(
        request,
        "gamification/admin.jinja2",
        status,
        section=request.route_path("gamification.admin"),
        rules=list(rules.rule_values(db, services.settings_of(request)).values()),
        rule_labels={k: request.gettext(v) for k, v in RULE_LABELS.items()},
        badges=all_badges,
        criteria_labels={k: request.gettext(v) for k, v in CRITERIA_LABELS.items()},
        criteria_number=CRITERIA_NUMBER,
        images=BUILTIN_IMAGES,
        image_path=openbadges.image_path,
        awards=[
            {"award": a, "badge": by_id.get(a.badge_id), "user": users.get(a.user_id)}
            for a in award_rows
        ],
        next_url=request.route_path("gamification.admin", _query={"cursor": next_cursor})
        if next_cursor
        else None,
        flash=request.gettext(DONE[done]) if done in DONE else "",
        errors=values.pop("errors", {}),
        form=values.pop("form", {}),
        **values,
    )


def _done(request, what: str) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.route_path("gamification.admin", _query={"done": what}))


@view_config(route_name="gamification.admin", request_method="GET")
def admin_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    return _page(request)


@view_config(route_name="gamification.admin.rules", request_method="POST")
def admin_rules(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    parsed = {}
    errors = {}
    for key in RULE_KEYS:
        try:
            parsed[key] = RuleIn(
                points=request.POST.get(f"points_{key}", ""),
                enabled=request.POST.get(f"enabled_{key}") == "on",
            )
        except ValidationError:
            errors[f"points_{key}"] = request.gettext(
                "%(rule)s: give a whole number of points from 0 to 100000.",
                rule=request.gettext(RULE_LABELS[key]),
            )
    if errors:
        return _page(request, 422, errors=errors)
    current = rules.rule_values(request.db, services.settings_of(request))
    for key, body in parsed.items():
        if (current[key].points, current[key].enabled) != (body.points, body.enabled):
            api.save_rule(request, key, body)
    return _done(request, "rules")


@view_config(route_name="gamification.admin.badges", request_method="POST")
def admin_create_badge(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    post = request.POST
    kind = post.get("kind", "")
    criteria: dict = {"kind": kind}
    if kind in CRITERIA_NUMBER:
        criteria[CRITERIA_NUMBER[kind]] = post.get("number", "")
    form = {k: post.get(k, "") for k in ("slug", "name", "description", "image", "kind", "number")}
    try:
        body = BadgeIn(
            slug=post.get("slug", ""),
            name=post.get("name", ""),
            description=post.get("description", ""),
            image=post.get("image", "builtin:star"),
            criteria=criteria,
        )
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        messages = {
            "slug": request.gettext(
                "The address name: 2 to 60 lower-case letters, digits and dashes."
            ),
            "name": request.gettext("Give the badge a name (at most 120 characters)."),
            "description": request.gettext("The description is too long."),
            "image": request.gettext("Choose one of the images."),
            "criteria": request.gettext(
                "Choose how the badge is earned and, unless by hand, a number from 1."
            ),
        }
        errors = {f: messages[f] for f in fields if f in messages} or {
            "form": request.gettext("Check the badge's fields.")
        }
        return _page(request, 422, errors=errors, form=form)
    try:
        api.create_badge(request, body)
    except ProblemError:
        return _page(
            request,
            409,
            errors={"slug": request.gettext("Another badge has this address name.")},
            form=form,
        )
    return _done(request, "badge")


@view_config(route_name="gamification.admin.badge", request_method="POST")
def admin_update_badge(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    try:
        badge = badges.get_badge_by_id(request.db, uuid.UUID(request.matchdict["id"]))
    except ValueError:
        badge = None
    if badge is None:
        raise HTTPNotFound()
    active = request.POST.get("active")
    if active not in ("0", "1"):
        return _page(request, 422, errors={"form": request.gettext("Choose on or off.")})
    api.update_badge(request, badge, BadgePatch(active=active == "1"))
    return _done(request, "badge-updated")


@view_config(route_name="gamification.admin.awards", request_method="POST")
def admin_award(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    db = request.db
    post = request.POST
    form = {k: post.get(k, "") for k in ("badge", "email", "reason")}
    errors = {}
    badge = badges.get_badge(db, post.get("badge", "")[:60]) if post.get("badge") else None
    if badge is None:
        errors["badge"] = request.gettext("Choose a badge.")
    email = post.get("email", "").strip().lower()[:254]
    user = db.scalar(sa.select(User).where(sa.func.lower(User.email) == email)) if email else None
    if user is None:
        errors["email"] = request.gettext("No user of this site has this email address.")
    try:
        reason = RevokeIn(reason=post.get("reason", "")).reason
    except ValidationError:
        errors["reason"] = request.gettext("Give a reason of 3 to 500 characters.")
    if errors:
        return _page(request, 422, errors=errors, form=form)
    _, created = badges.award_manually(request, badge, user, reason)
    if not created:
        return _page(
            request,
            409,
            errors={"email": request.gettext("This user already holds the badge.")},
            form=form,
        )
    return _done(request, "awarded")


@view_config(route_name="gamification.admin.revoke", request_method="POST")
def admin_revoke(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    try:
        award = badges.get_award(request.db, uuid.UUID(request.matchdict["id"]))
    except ValueError:
        award = None
    if award is None:
        raise HTTPNotFound()
    try:
        body = RevokeIn(reason=request.POST.get("reason", ""))
    except ValidationError:
        return _page(
            request,
            422,
            errors={"reason": request.gettext("Give a reason of 3 to 500 characters.")},
            error_id=str(award.id),
        )
    if award.revoked_at is not None:
        return _page(
            request, 409, errors={"form": request.gettext("The award is already revoked.")}
        )
    badges.revoke(request, award, badges.get_badge_by_id(request.db, award.badge_id), body.reason)
    return _done(request, "revoked")
