"""Tenant admin pages: the user list, a user's roles and effective permissions with
the admin actions, and invitations. They call the same functions as the admin API
(``admin_users``, ``signup.invite``) and check the same permissions."""

from __future__ import annotations

from pydantic import ValidationError
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from ..api import ProblemError
from ..permissions import KernelPermission as K
from ..web import render_error_page, require_tenant
from . import admin_users, roles

LIST = "learninghub:templates/accounts/admin_users.jinja2"
DETAIL = "learninghub:templates/accounts/admin_user.jinja2"
INVITE = "learninghub:templates/accounts/admin_invite.jinja2"

ACTIONS = {
    "suspend": admin_users.suspend_user,
    "ban": admin_users.ban_user,
    "reactivate": admin_users.reactivate_user,
    "verify": admin_users.verify_user,
    "force_reset": admin_users.force_password_reset,
}


def _gate(request, permission: str):
    """None when allowed; else the response (sign-in redirect or 403)."""
    require_tenant(request)
    if request.identity is None:
        return HTTPSeeOther(location=f"/login?next={request.path}")
    if not request.has_permission(permission):
        return render_error_page(request, 403, "Forbidden")
    return None


def _render(request, template, status=200, **values):
    values.setdefault("tenant", request.tenant)
    values.setdefault("nav", request.nav_items)
    response = render_to_response(template, values, request=request)
    response.status = status
    response.headers["Cache-Control"] = "no-store"
    return response


def users_page(request):
    denied = _gate(request, K.USERS_VIEW)
    if denied is not None:
        return denied
    params = {k: v for k, v in request.GET.items() if k in ("q", "status", "cursor") and v}
    try:
        query = admin_users.UserListQuery(limit=50, **params)
    except ValidationError:
        query = admin_users.UserListQuery(limit=50)
    page = admin_users.list_users(request, query)
    return _render(
        request,
        LIST,
        users=page.items,
        next_cursor=page.next_cursor,
        q=params.get("q", ""),
        status_filter=params.get("status", ""),
        can_manage=request.has_permission(K.USERS_MANAGE),
    )


def user_page(request):
    denied = _gate(request, K.USERS_VIEW)
    if denied is not None:
        return denied
    message, error, status = None, None, 200
    try:
        user = admin_users.user_from_path(request)
    except ProblemError:
        return render_error_page(request, 404, "Not Found")
    if request.method == "POST":
        denied = _gate(request, K.USERS_MANAGE)
        if denied is not None:
            return denied
        _ = request.gettext
        action = request.POST.get("action", "")
        try:
            if action in ACTIONS:
                ACTIONS[action](request)
                message = _("Done.")
            elif action in ("grant", "revoke"):
                body = admin_users.RoleBody(role=request.POST.get("role", "")[:60])
                if action == "grant":
                    admin_users.grant_user_role(request, body)
                else:
                    admin_users.revoke_user_role(request, body)
                message = _("Roles updated.")
            else:
                raise ProblemError(400, "Bad request", "unknown action")
        except ValidationError:
            error, status = _("Choose a role."), 422
        except ProblemError as exc:
            if exc.status == 404:
                raise
            error, status = exc.detail[:1].upper() + exc.detail[1:], exc.status
    return _render(
        request,
        DETAIL,
        status,
        detail=admin_users.detail(request, user),
        message=message,
        error=error,
        known_roles=roles.known_roles(request),
        can_manage=request.has_permission(K.USERS_MANAGE),
        is_self=user.id == request.identity.id,
    )


def invite_page(request):
    from .signup import invite

    denied = _gate(request, K.USERS_MANAGE)
    if denied is not None:
        return denied
    message, error, status, email, role = None, None, 200, "", "learner"
    if request.method == "POST":
        email = request.POST.get("email", "").strip()[:254]
        role = request.POST.get("role", "learner")[:60]
        if "@" not in email:
            error, status = request.gettext("Enter an email address."), 422
        else:
            try:
                invite(request, email, role)
                message = request.gettext("Invitation sent to %(email)s.", email=email)
                email = ""
            except ProblemError as exc:
                error, status = exc.detail[:1].upper() + exc.detail[1:], exc.status
    return _render(
        request,
        INVITE,
        status,
        message=message,
        error=error,
        email=email,
        role=role,
        known_roles=roles.known_roles(request),
    )


def includeme(config) -> None:
    config.add_route("admin.users", "/admin/users")
    config.add_view(users_page, route_name="admin.users", request_method="GET")
    config.add_route("admin.invite", "/admin/invitations")
    config.add_view(invite_page, route_name="admin.invite", request_method=("GET", "POST"))
    config.add_route("admin.user", "/admin/users/{id}")
    config.add_view(user_page, route_name="admin.user", request_method=("GET", "POST"))
