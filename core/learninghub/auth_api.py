"""Kernel API: token issue, the current user, the OpenAPI document and its docs page."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pyramid.response import Response

from .api import ProblemError, api_view, build_openapi, problem_view
from .identity import user_roles
from .web import require_tenant


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    session_id: uuid.UUID
    mfa_enrolment_due: datetime | None = Field(
        None, description="Your role requires a second factor: enrol before this time"
    )


class MeResponse(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    tenant: str
    created_at: datetime


@api_view(
    "api.auth.token",
    "/api/v1/auth/token",
    "POST",
    body=TokenRequest,
    response=TokenResponse,
    summary="Exchange email and password for an access token",
)
def issue_token(request, body: TokenRequest):
    """Sign in through the API: an access token and a rotating refresh token."""
    from .accounts.signin import password_sign_in
    from .accounts.tokens import issue_pair

    try:
        user = password_sign_in(request, body.email, body.password)
    except ProblemError as exc:
        # answered, not raised: the transaction commits, so the failed sign-in is
        # recorded (domain event after commit) like a successful one
        return problem_view(exc, request)
    from .accounts.mfa import has_mfa, mfa_required_response
    from .accounts.mfa_policy import ENROL, GRACE, enrolment_required_response, enrolment_status

    if has_mfa(request.db, user):
        return mfa_required_response(request, user)
    status, deadline = enrolment_status(request, user)
    if status == ENROL:
        return enrolment_required_response(request, user)
    return TokenResponse(
        **issue_pair(request, user), mfa_enrolment_due=deadline if status == GRACE else None
    )


@api_view(
    "api.me",
    "/api/v1/me",
    "GET",
    response=MeResponse,
    authenticated=True,
    summary="The signed-in user",
)
def me(request):
    from .identity import effective_permissions

    user = request.identity
    return MeResponse(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(user_roles(request)),
        permissions=sorted(effective_permissions(request)),
        tenant=request.tenant.slug,
        created_at=user.created_at,
    )


def openapi_view(request):
    require_tenant(request)
    return Response(
        json.dumps(build_openapi(request)), content_type="application/json", charset="utf-8"
    )


DOCS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>API documentation</title>
<link rel="stylesheet" href="{static}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script src="{static}/swagger-init.js"></script>
</body></html>"""

INIT_JS = """window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui"});"""


def docs_view(request):
    require_tenant(request)
    static = request.script_name + "/api/docs/static"
    return Response(DOCS_PAGE.format(static=static), content_type="text/html", charset="utf-8")


def docs_init_js(request):
    return Response(INIT_JS, content_type="application/javascript", charset="utf-8")


def includeme(config) -> None:
    import swagger_ui_bundle

    config.add_route("api.openapi", "/api/v1/openapi.json")
    config.add_view(openapi_view, route_name="api.openapi", request_method="GET")
    config.add_route("api.docs", "/api/docs")
    config.add_view(docs_view, route_name="api.docs", request_method="GET")
    config.add_route("api.docs.init", "/api/docs/static/swagger-init.js")
    config.add_view(docs_init_js, route_name="api.docs.init")
    config.add_static_view(
        "api/docs/static", str(swagger_ui_bundle.swagger_ui_path), cache_max_age=3600
    )
    config.scan(__name__)
