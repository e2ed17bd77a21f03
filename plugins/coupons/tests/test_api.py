"""JSON API: allowed / forbidden / anonymous / cross-tenant for every endpoint, invalid
inputs, the plugin contract."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from learninghub.testing.plugin_contract import PluginContractTests

LIST = "/api/v1/admin/coupons"
BATCHES = "/api/v1/admin/coupons/batches"


class TestCouponsContract(PluginContractTests):
    plugin = "coupons"
    probes = [("GET", LIST), ("GET", "/admin/coupons")]

    def create_resource(self, client, tenant, user):
        r = client(tenant, user).post_json(LIST, {"kind": "percent", "percent_bp": 500})
        assert r.status_int == 201, r.text
        return f"{LIST}/{r.json['id']}"


@pytest.fixture
def api(tenant, admin, client):
    return client(tenant, admin)


def test_create_list_read_and_patch(api, tenant, admin, make_course, problem, events, db):
    course = make_course(tenant, lessons=0)
    r = api.post_json(
        LIST,
        {
            "code": "Spring-25",
            "kind": "fixed",
            "amount_minor": 1500,
            "currency": "eur",
            "min_purchase_minor": 3000,
            "max_uses": 10,
            "max_uses_per_user": 1,
            "valid_until": "2030-01-01T00:00:00Z",
            "course_ids": [str(course.id)],
        },
    )
    assert r.status_int == 201, r.text
    body = r.json
    assert body["code"] == "SPRING-25" and body["currency"] == "EUR"
    assert body["remaining"] == 10 and body["course_ids"] == [str(course.id)]
    assert r.headers["Location"].endswith(f"{LIST}/{body['id']}")
    assert events.named("coupons.coupon.created")[0].payload["code"] == "SPRING-25"
    # codes are unique per tenant, whatever their case
    assert problem(
        api.post_json(LIST, {"code": "spring-25", "kind": "percent", "percent_bp": 1}), 409
    )["errors"][0]["path"] == ["body", "code"]
    random = api.post_json(LIST, {"kind": "percent", "percent_bp": 2000}).json
    assert len(random["code"]) == 10 and random["code"].isupper()

    items = api.get(f"{LIST}?limit=1").json
    assert [i["id"] for i in items["items"]] == [random["id"]] and items["next_cursor"]
    second = api.get(f"{LIST}?limit=1&cursor={items['next_cursor']}").json
    assert [i["id"] for i in second["items"]] == [body["id"]] and second["next_cursor"] is None
    assert [i["code"] for i in api.get(f"{LIST}?q=ring").json["items"]] == ["SPRING-25"]

    url = f"{LIST}/{body['id']}"
    assert api.get(url).json["code"] == "SPRING-25"
    r = api.patch_json(url, {"kind": "percent", "percent_bp": 1250, "active": False})
    assert r.status_int == 200, r.text
    assert (r.json["kind"], r.json["percent_bp"], r.json["amount_minor"], r.json["active"]) == (
        "percent",
        1250,
        None,
        False,
    )
    assert api.get(f"{LIST}?active=false").json["items"][0]["id"] == body["id"]
    (updated,) = events.named("coupons.coupon.updated")
    assert updated.payload["fields"] == "active,amount_minor,kind,percent_bp"
    # both changes are in the audit trail, with who made them
    from learninghub_audit.models import AuditEvent

    audited = db.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id).where(
            AuditEvent.tenant_id == tenant.id, AuditEvent.action.like("coupons.%")
        )
    ).all()
    assert sorted(audited) == sorted(
        [("coupons.coupon.created", admin.id)] * 2 + [("coupons.coupon.updated", admin.id)]
    )


@pytest.mark.parametrize(
    "body, path",
    [
        ({}, ["body", "kind"]),
        ({"kind": "percent"}, ["body"]),
        ({"kind": "percent", "percent_bp": 0}, ["body", "percent_bp"]),
        ({"kind": "percent", "percent_bp": 10001}, ["body", "percent_bp"]),
        ({"kind": "fixed", "amount_minor": 100}, ["body"]),
        ({"kind": "fixed", "amount_minor": 100, "currency": "XYZ"}, ["body", "currency"]),
        ({"kind": "fixed", "amount_minor": -1, "currency": "EUR"}, ["body", "amount_minor"]),
        ({"kind": "percent", "percent_bp": 5, "code": "a b"}, ["body", "code"]),
        ({"kind": "percent", "percent_bp": 5, "min_purchase_minor": 100}, ["body"]),
        (
            {"kind": "percent", "percent_bp": 5, "valid_from": "2030-01-01T00:00:00"},
            ["body", "valid_from"],
        ),
        (
            {
                "kind": "percent",
                "percent_bp": 5,
                "valid_from": "2030-01-02T00:00:00Z",
                "valid_until": "2030-01-01T00:00:00Z",
            },
            ["body"],
        ),
        ({"kind": "percent", "percent_bp": 5, "course_ids": ["nope"]}, ["body", "course_ids", 0]),
        ({"kind": "percent", "percent_bp": 5, "extra": 1}, ["body", "extra"]),
    ],
)
def test_invalid_coupons_are_refused(api, problem, body, path):
    errors = problem(api.post_json(LIST, body), 422)["errors"]
    assert path in [e["path"] for e in errors], errors


def test_unknown_restrictions_and_invalid_patches(api, tenant, other_tenant, make_course, problem):
    theirs = make_course(other_tenant, lessons=0)
    body = {"kind": "percent", "percent_bp": 5, "course_ids": [str(theirs.id)]}
    err = problem(api.post_json(LIST, body), 422)["errors"][0]
    assert err["path"] == ["body", "course_ids"] and str(theirs.id) in err["message"]
    url = f"{LIST}/{api.post_json(LIST, {'kind': 'percent', 'percent_bp': 5}).json['id']}"
    assert problem(api.patch_json(url, {"kind": "fixed"}), 422)["errors"]
    assert problem(api.patch_json(url, {"code": "NEW"}), 422)["errors"][0]["path"] == [
        "body",
        "code",
    ]
    assert problem(api.patch_json(url, {"max_uses": 0}), 422)["errors"][0]["path"] == [
        "body",
        "max_uses",
    ]
    assert problem(api.get(f"{LIST}?limit=500"), 422)
    assert problem(api.get(f"{LIST}?batch_id=nope"), 422)
    assert problem(api.get(f"{LIST}/not-a-uuid"), 404)


def test_batches_and_csv(api, tenant, problem, events, plugin_operator):
    plugin_operator("coupons").settings(tenant, code_length=6, code_alphabet="ABCDEFGHJK")
    r = api.post_json(
        BATCHES,
        {"prefix": "vip-", "count": 25, "kind": "percent", "percent_bp": 1500, "max_uses": 1},
    )
    assert r.status_int == 201, r.text
    codes = r.json["codes"]
    assert len(set(codes)) == 25
    assert all(
        c.startswith("VIP-") and len(c) == 10 and set(c[4:]) <= set("ABCDEFGHJK") for c in codes
    )
    assert events.named("coupons.batch.created")[0].payload["count"] == 25
    listed = api.get(f"{LIST}?batch_id={r.json['id']}&limit=100").json["items"]
    assert sorted(i["code"] for i in listed) == sorted(codes)
    assert {i["percent_bp"] for i in listed} == {1500}

    csv_r = api.get(r.json["codes_url"])
    assert csv_r.status_int == 200 and csv_r.content_type == "text/csv"
    assert "attachment" in csv_r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_r.text)))
    assert rows[0] == ["code", "active", "used", "held", "max_uses", "remaining", "created_at"]
    assert sorted(row[0] for row in rows[1:]) == sorted(codes)
    assert rows[1][1:6] == ["yes", "0", "0", "1", "1"]

    assert problem(api.post_json(BATCHES, {"count": 0, "kind": "percent", "percent_bp": 5}), 422)
    assert problem(api.post_json(BATCHES, {"count": 5001, "kind": "percent", "percent_bp": 5}), 422)
    bad_prefix = {"prefix": "=cmd|", "count": 1, "kind": "percent", "percent_bp": 5}
    assert problem(api.post_json(BATCHES, bad_prefix), 422)["errors"][0]["path"] == [
        "body",
        "prefix",
    ]
    assert problem(api.get(f"{BATCHES}/not-a-uuid/codes.csv"), 404)


def test_csv_cells_cannot_be_formulas():
    from learninghub_coupons.services import csv_cell

    assert [csv_cell(v) for v in ("=1+1", "+A", "-2", "@SUM", "\tX", "ABC", 3, None)] == [
        "'=1+1",
        "'+A",
        "'-2",
        "'@SUM",
        "'\tX",
        "ABC",
        "3",
        "",
    ]


def test_every_route_checks_who_asks(
    api, tenant, other_tenant, user_factory, client, foreign_client, problem
):
    coupon = api.post_json(LIST, {"kind": "percent", "percent_bp": 5}).json
    batch = api.post_json(BATCHES, {"count": 1, "kind": "percent", "percent_bp": 5}).json
    item = f"{LIST}/{coupon['id']}"
    csv_url = f"{BATCHES}/{batch['id']}/codes.csv"
    body = {"kind": "percent", "percent_bp": 5}
    calls = [
        ("get", LIST, None),
        ("post_json", LIST, body),
        ("get", item, None),
        ("patch_json", item, {"active": False}),
        ("post_json", BATCHES, {"count": 1, **body}),
        ("get", csv_url, None),
    ]
    learner = client(tenant, user_factory(tenant))
    instructor = client(tenant, user_factory(tenant, "instructor"))
    anonymous = client(tenant)
    foreign = foreign_client(tenant, other_tenant)
    other_admin = client(other_tenant, user_factory(other_tenant, "admin"))
    for method, url, payload in calls:
        args = (url,) if payload is None else (url, payload)
        for who, status in ((learner, 403), (instructor, 403), (anonymous, 401), (foreign, 401)):
            problem(getattr(who, method)(*args), status)
        if url in (item, csv_url):
            problem(getattr(other_admin, method)(*args), 404)
    assert other_admin.get(LIST).json["items"] == []
    assert api.get(item).json["active"] is True  # nothing changed it


def test_demo_data_is_idempotent(tenant, tenant_request, db):
    from learninghub_coupons import learninghub_demo_data
    from learninghub_coupons.models import Coupon

    for _ in range(2):
        with tenant_request(tenant) as request:
            learninghub_demo_data(request=request)
    stmt = sa.select(Coupon.percent_bp).where(Coupon.tenant_id == tenant.id)
    assert db.scalars(stmt).all() == [2000]


def test_batch_refused_when_no_unused_code_is_left(api, problem, monkeypatch):
    from learninghub_coupons import services

    monkeypatch.setattr(services, "random_code", lambda request, prefix="": prefix + "SAME")
    r = api.post_json(BATCHES, {"count": 2, "kind": "percent", "percent_bp": 5})
    assert problem(r, 409)["errors"][0]["path"] == ["body", "count"]
    assert api.get(LIST).json["items"] == []  # nothing half-written
