"""JSON API conventions: typed views, problem+json errors, cursor pagination, OpenAPI.

Declare an endpoint with :func:`api_view` (scanned like ``view_config``)::

    @api_view("announcements.list", "/api/v1/announcements", "GET",
              query=ListQuery, response=Page[AnnouncementOut],
              permission=None, summary="List published announcements")
    def list_announcements(request, query: ListQuery): ...

* ``body`` / ``query`` pydantic models validate input; errors answer 422 (or 400 for
  malformed JSON, 415 for a non-JSON body) as ``application/problem+json`` with field
  paths in ``errors``.
* The view returns a pydantic model, a dict or a list; ``response`` serialises it.
* Every endpoint is recorded for the OpenAPI document with its owning plugin, so
  ``/api/v1/openapi.json`` lists only what the request's tenant has enabled.
* API views never need CSRF tokens: the API authenticates by bearer token only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import venusian
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyramid.httpexceptions import HTTPException
from pyramid.response import Response

PROBLEM_TYPE_BASE = "https://learninghub.dev/problems/"
MAX_PAGE = 100
T = TypeVar("T")


class ProblemError(Exception):
    """Raise from any view to answer a problem+json response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        type: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.type = type or PROBLEM_TYPE_BASE + title.lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    request,
    status: int,
    title: str,
    detail: str = "",
    type: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """A problem+json response; ``extra`` adds extension members (RFC 9457)."""
    body: dict[str, Any] = {
        "type": type or PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request is not None else None,
    }
    rid = getattr(request, "request_id", None)
    if rid:
        body["request_id"] = rid
    if errors:
        body["errors"] = errors
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    response = Response(
        json.dumps(body), status=status, content_type="application/problem+json", charset="utf-8"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def validation_errors(exc: ValidationError, location: str) -> list[dict[str, Any]]:
    return [
        {"path": [location, *err["loc"]], "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False)
    ]


# --------------------------------------------------------------------- pagination


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(None, max_length=200)


def encode_cursor(values: Sequence[Any]) -> str:
    parts = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(types):
            raise ValueError
        out = []
        for value, kind in zip(raw, types, strict=True):
            out.append(datetime.fromisoformat(value) if kind is datetime else kind(value))
        return out
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ProblemError(
            400,
            "Invalid cursor",
            "the cursor is malformed or expired",
            errors=[
                {"path": ["query", "cursor"], "message": "invalid cursor", "type": "value_error"}
            ],
        ) from None


def paginate(
    session,
    stmt,
    sort_col,
    id_col,
    page: PageQuery,
    *,
    descending: bool = True,
    sort_type: type = datetime,
    id_type: type = str,
) -> tuple[list[Any], str | None]:
    """Keyset pagination on (sort_col, id_col). Returns (rows, next_cursor)."""
    import sqlalchemy as sa

    if page.cursor:
        sort_value, id_value = decode_cursor(page.cursor, [sort_type, id_type])
        if id_col.type.python_type.__name__ == "UUID":
            import uuid

            try:
                id_value = uuid.UUID(str(id_value))
            except ValueError:
                raise ProblemError(
                    400,
                    "Invalid cursor",
                    "the cursor is malformed",
                    errors=[
                        {
                            "path": ["query", "cursor"],
                            "message": "invalid cursor",
                            "type": "value_error",
                        }
                    ],
                ) from None
        if descending:
            stmt = stmt.where(
                sa.tuple_(sort_col, id_col)
                < sa.tuple_(
                    sa.literal(sort_value, sort_col.type), sa.literal(id_value, id_col.type)
                )
            )
        else:
            stmt = stmt.where(
                sa.tuple_(sort_col, id_col)
                > sa.tuple_(
                    sa.literal(sort_value, sort_col.type), sa.literal(id_value, id_col.type)
                )
            )
    order = (sort_col.desc(), id_col.desc()) if descending else (sort_col.asc(), id_col.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(page.limit + 1)))
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, sort_col.key), getattr(last, id_col.key)])
    return rows, next_cursor


# --------------------------------------------------------------------- endpoints


@dataclass
class Endpoint:
    route_name: str
    path: str
    method: str
    view: Callable[..., Any]
    plugin: str | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    permission: str | None = None
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    authenticated: bool = False
    _adapter: Any = None

    def adapter(self):
        """The response model's TypeAdapter, built once (they are costly to build)."""
        if self._adapter is None:
            from pydantic import TypeAdapter

            self._adapter = TypeAdapter(self.response)
        return self._adapter


def _parse_body(request, model: type[BaseModel]) -> BaseModel:
    max_bytes = 1_048_576
    if request.content_length and request.content_length > max_bytes:
        raise ProblemError(
            413, "Payload too large", f"request bodies are limited to {max_bytes} bytes"
        )
    ctype = (request.content_type or "").lower()
    if ctype != "application/json":
        raise ProblemError(415, "Unsupported media type", "send the body as application/json")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, "Malformed JSON", str(exc)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "Validation failed",
            "the request body is invalid",
            errors=validation_errors(exc, "body"),
        ) from None


def _parse_query(request, model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.GET.keys():
        values = request.GET.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "Validation failed",
            "the query string is invalid",
            errors=validation_errors(exc, "query"),
        ) from None


def _render(endpoint: Endpoint, result: Any, request) -> Response:
    if isinstance(result, Response):
        return result
    if endpoint.status == 204 or result is None:
        return Response(status=204)
    if endpoint.response is not None and not isinstance(result, BaseModel):
        adapter = endpoint.adapter()
        # lists and other non-model responses go through their adapter too
        payload = adapter.dump_json(
            adapter.validate_python(result, from_attributes=True), by_alias=True
        ).decode()
    elif isinstance(result, BaseModel):
        payload = result.model_dump_json(by_alias=True)
    else:
        payload = json.dumps(result, default=str)
    response = Response(
        payload, status=endpoint.status, content_type="application/json", charset="utf-8"
    )
    # headers a view set on request.response (e.g. Location on 201) are kept
    if "response" in request.__dict__:
        for key, value in request.response.headers.items():
            if key.lower() not in ("content-type", "content-length"):
                response.headers[key] = value
    return response


def add_api_view(
    config,
    view: Callable[..., Any],
    route_name: str,
    path: str,
    method: str = "GET",
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    permission: str | None = None,
    summary: str = "",
    tags: Sequence[str] = (),
    authenticated: bool = False,
) -> None:
    """Directive ``config.add_api_view``: register a typed JSON endpoint."""
    plugins = config.registry.get("plugins")
    owner = plugins.plugin_for_module(config.package_name) if plugins else None
    endpoint = Endpoint(
        route_name,
        path,
        method.upper(),
        view,
        owner,
        body,
        query,
        response,
        status,
        permission,
        summary or (view.__doc__ or "").strip().split("\n")[0],
        list(tags) or [owner or "kernel"],
        authenticated or permission is not None,
    )
    endpoints: list[Endpoint] = config.registry.setdefault("api.endpoints", [])
    endpoints.append(endpoint)

    def api_view_callable(context, request):
        if request.tenant is None:
            raise ProblemError(404, "Not found", "no tenant answers on this host")
        if endpoint.authenticated and request.identity is None:
            raise ProblemError(
                401,
                "Unauthorized",
                "sign in: send Authorization: Bearer <token> (POST /api/v1/auth/token)",
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        key = request.__dict__.get("_lh_api_key") if endpoint.authenticated else None
        if key is not None and endpoint.permission is None:
            from .accounts.apikeys import key_allows

            if not key_allows(key, request.method, None):
                raise ProblemError(403, "Forbidden", "the API key's scopes do not allow this")
        if endpoint.permission is not None and not request.has_permission(
            endpoint.permission, context
        ):
            raise ProblemError(403, "Forbidden", f"you lack the permission {endpoint.permission}")
        kwargs: dict[str, Any] = {}
        if endpoint.query is not None:
            kwargs["query"] = _parse_query(request, endpoint.query)
        if endpoint.body is not None:
            kwargs["body"] = _parse_body(request, endpoint.body)
        return _render(endpoint, view(request, **kwargs), request)

    routes: set[str] = config.registry.setdefault("api.routes", set())
    if route_name not in routes:
        routes.add(route_name)
        config.add_route(route_name, path)

        def method_not_allowed(context, request):
            allowed = sorted(
                {e.method for e in config.registry["api.endpoints"] if e.route_name == route_name}
            )
            return problem_response(
                request,
                405,
                "Method not allowed",
                f"use {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )

        config.add_view(method_not_allowed, route_name=route_name, require_csrf=False)
    config.add_view(
        api_view_callable, route_name=route_name, request_method=endpoint.method, require_csrf=False
    )


def api_view(route_name: str, path: str, method: str = "GET", **options: Any):
    """Decorator form of ``config.add_api_view``, picked up by ``config.scan()``."""

    def wrap(view):
        def callback(context, name, ob):
            context.config.with_package(info.module).add_api_view(
                view, route_name, path, method, **options
            )

        info = venusian.attach(view, callback, category="pyramid")
        return view

    return wrap


# --------------------------------------------------------------------- errors


def is_api_request(request) -> bool:
    return (
        request.path.startswith("/api/")
        or "json" in (request.accept.header_value or "")
        and "html" not in (request.accept.header_value or "")
    )


def problem_view(exc: ProblemError, request) -> Response:
    """Exception view: the problem as a response (the transaction aborts). A view that
    must keep its writes (a recorded failure) returns ``problem_view(exc, request)``
    instead of raising."""
    return problem_response(
        request, exc.status, exc.title, exc.detail, exc.type, exc.errors, exc.headers
    )


def http_exception_view(exc: HTTPException, request):
    if exc.code and exc.code < 400:
        return exc
    if is_api_request(request):
        title = exc.title
        detail = exc.detail or exc.explanation or ""
        return problem_response(request, exc.code, title, str(detail))
    from .web import render_error_page

    return render_error_page(request, exc.code, exc.title)


# --------------------------------------------------------------------- OpenAPI


def build_openapi(request) -> dict[str, Any]:
    from pydantic import TypeAdapter

    tenant = request.tenant
    endpoints = [
        e
        for e in request.registry.get("api.endpoints", [])
        if e.plugin is None or (tenant is not None and tenant.is_enabled(e.plugin))
    ]
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    problem_ref = {"$ref": "#/components/schemas/Problem"}

    def schema_of(model: Any) -> dict[str, Any]:
        adapter = TypeAdapter(model)
        schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        title = schema.get("title")
        if title and schema.get("type") == "object":
            key = "".join(ch for ch in title if ch.isalnum())
            schemas[key] = schema
            return {"$ref": f"#/components/schemas/{key}"}
        return schema

    for e in sorted(endpoints, key=lambda e: (e.path, e.method)):
        op: dict[str, Any] = {
            "operationId": e.route_name + "." + e.method.lower(),
            "summary": e.summary,
            "tags": e.tags,
            "responses": {
                "default": {
                    "description": "Error",
                    "content": {"application/problem+json": {"schema": problem_ref}},
                }
            },
        }
        if e.authenticated:
            op["security"] = [{"bearer": []}]
        if e.query is not None:
            params = []
            qschema = e.query.model_json_schema()
            required = set(qschema.get("required", []))
            for pname, pschema in qschema.get("properties", {}).items():
                params.append(
                    {"name": pname, "in": "query", "required": pname in required, "schema": pschema}
                )
            op["parameters"] = params
        if e.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of(e.body)}},
            }
        if e.status == 204:
            op["responses"]["204"] = {"description": "No content"}
        else:
            content = (
                {"application/json": {"schema": schema_of(e.response)}}
                if e.response is not None
                else {"application/json": {}}
            )
            op["responses"][str(e.status)] = {"description": "OK", "content": content}
        path = e.path
        paths.setdefault(path, {})[e.method.lower()] = op
        for segment in path.split("/"):
            if segment.startswith("{") and segment.endswith("}"):
                op.setdefault("parameters", []).append(
                    {
                        "name": segment[1:-1],
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                )
    schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "request_id": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "array", "items": {}},
                        "message": {"type": "string"},
                        "type": {"type": "string"},
                    },
                },
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Learning Hub API — {tenant.name}" if tenant else "Learning Hub API",
            "version": "1",
        },
        "servers": [{"url": request.host_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def includeme(config) -> None:
    config.add_directive("add_api_view", add_api_view)
    config.add_exception_view(problem_view, context=ProblemError)
    config.add_exception_view(http_exception_view, context=HTTPException)
