"""API conventions: problem+json, OpenAPI per tenant, docs page assets, request ids."""

import sqlalchemy as sa

from learninghub.api import PageQuery, decode_cursor, encode_cursor, paginate


def test_unknown_api_route_is_problem_json(tenant, client):
    r = client(tenant).get("/api/v1/does-not-exist")
    assert r.status_int == 404
    assert r.content_type == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(r.json)


def test_wrong_method_is_405_with_allow(tenant, client):
    r = client(tenant).delete("/api/v1/auth/token")
    assert r.status_int == 405
    assert r.headers["Allow"] == "POST"
    assert r.json["status"] == 405


def test_request_id_is_echoed_or_generated(tenant, client):
    r = client(tenant).get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    r = client(tenant).get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["X-Request-ID"] != "bad id with spaces"
    assert len(r.headers["X-Request-ID"]) == 32
    problem = client(tenant).get("/api/v1/me", headers={"X-Request-ID": "rid-9"})
    assert problem.json["request_id"] == "rid-9"


def test_openapi_lists_only_enabled_plugins(registry, tenant_factory, client):
    plugins = [p for p in registry["plugins"].order]
    everything = tenant_factory()
    nothing = tenant_factory(plugins=[])
    full = client(everything).get("/api/v1/openapi.json").json
    bare = client(nothing).get("/api/v1/openapi.json").json
    assert full["openapi"] == "3.1.0"
    assert "/api/v1/auth/token" in bare["paths"] and "/api/v1/me" in bare["paths"]
    endpoints = registry.get("api.endpoints", [])
    for e in endpoints:
        if e.plugin is not None and e.plugin in plugins:
            assert e.path in full["paths"]
            assert e.path not in bare["paths"], e.path
    token = full["paths"]["/api/v1/auth/token"]["post"]
    assert token["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "Problem" in full["components"]["schemas"]


def test_openapi_for_unknown_host_is_404(client):
    assert client(None, host="nope.invalid").get("/api/v1/openapi.json").status_int == 404


def test_docs_page_serves_packaged_assets(tenant, client):
    page = client(tenant).get("/api/docs")
    assert page.status_int == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-init.js"):
        r = client(tenant).get(f"/api/docs/static/{asset}")
        assert r.status_int == 200, asset
        assert len(r.body) > 10


def test_cursor_round_trip_and_garbage():
    import uuid
    from datetime import UTC, datetime

    import pytest

    from learninghub.api import ProblemError

    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    uid = uuid.uuid4()
    assert decode_cursor(encode_cursor([now, uid]), [datetime, str]) == [now, str(uid)]
    for junk in ("", "!!!", encode_cursor(["x"]), encode_cursor(["not a date", "1"])):
        with pytest.raises(ProblemError) as info:
            decode_cursor(junk, [datetime, str])
        assert info.value.status == 400


def test_paginate_walks_every_row_once(tenant, user_factory, db):
    from learninghub.db import bind_tenant
    from learninghub.identity import User

    for _ in range(7):
        user_factory(tenant)
    bind_tenant(db, tenant.id)
    seen, cursor = [], None
    while True:
        rows, cursor = paginate(
            db, sa.select(User), User.created_at, User.id, PageQuery(limit=3, cursor=cursor)
        )
        seen += [r.id for r in rows]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


def test_page_query_limits():
    import pytest
    from pydantic import ValidationError

    for bad in (0, 101, -1):
        with pytest.raises(ValidationError):
            PageQuery(limit=bad)
    assert PageQuery(limit=100).limit == 100
