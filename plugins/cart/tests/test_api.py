"""The cart's JSON API: lines, limits, codes, checkout, and who may call what."""

from __future__ import annotations

import uuid

import pytest

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests

CART = "/api/v1/cart"
ITEMS = "/api/v1/cart/items"
CODES = "/api/v1/cart/codes"
CHECKOUT = "/api/v1/cart/checkout"


class TestCartContract(PluginContractTests):
    plugin = "cart"
    probes = [("GET", CART), ("GET", "/cart"), ("GET", "/checkout")]

    @pytest.fixture(autouse=True)
    def _course_maker(self, make_course):
        self.make_course = make_course

    def create_resource(self, client, tenant, user):
        course = self.make_course(tenant)
        r = client(tenant, user).post_json(ITEMS, {"course_id": str(course.id)})
        assert r.status_int == 201, r.text
        return f"{ITEMS}/{r.json['id']}"


def _configure(registry, db, tenant, plugin, **values):
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).enable(plugin, settings=values)
    finally:
        system_session(db)
    registry["tenancy.resolver"].invalidate()


@pytest.fixture
def learner(tenant, user_factory):
    return user_factory(tenant, "learner")


def add(c, course, quantity=1):
    return c.post_json(ITEMS, {"course_id": str(course.id), "quantity": quantity})


def test_lines_are_added_changed_and_removed(tenant, learner, client, make_course):
    c = client(tenant, learner)
    one, two = make_course(tenant, title="Python"), make_course(tenant, price_minor=1000)
    r = add(c, one)
    assert r.status_int == 201, r.text
    item = r.json
    assert (item["kind"], item["unit_price_minor"], item["currency"]) == ("course", 4900, "EUR")
    assert r.headers["Location"].endswith(f"{ITEMS}/{item['id']}")
    assert add(c, two, quantity=3).json["kind"] == "seats"
    assert add(c, one).status_int == 409  # already there
    cart = c.get(CART).json
    assert [i["title"] for i in cart["items"]][0] == "Python"
    assert cart["item_count"] == 2
    q = cart["quote"]
    assert (q["subtotal_minor"], q["total_minor"], q["currency"]) == (7900, 7900, "EUR")
    assert q["total"] == "€79.00"
    r = c.patch_json(f"{ITEMS}/{item['id']}", {"quantity": 2})
    assert r.status_int == 200 and r.json["kind"] == "seats" and r.json["subtotal_minor"] == 9800
    assert c.get(f"{ITEMS}/{item['id']}").json["quantity"] == 2
    assert c.delete(f"{ITEMS}/{item['id']}").status_int == 204
    assert c.get(f"{ITEMS}/{item['id']}").status_int == 404
    assert c.get(CART).json["item_count"] == 1


def test_only_published_paid_courses_in_the_site_currency(
    registry, db, tenant, learner, client, make_course
):
    c = client(tenant, learner)
    r = add(c, make_course(tenant, price_minor=0))
    assert r.status_int == 409 and "free" in r.json["detail"]
    r = add(c, make_course(tenant, status="draft"))
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "course_id"]
    r = c.post_json(ITEMS, {"course_id": str(uuid.uuid4())})
    assert r.status_int == 422
    _configure(registry, db, tenant, "payments", currency="USD")
    r = add(c, make_course(tenant))
    assert r.status_int == 409 and "EUR" in r.json["detail"] and "USD" in r.json["detail"]


def test_a_cart_holds_at_most_max_items(registry, db, tenant, learner, client, make_course):
    _configure(registry, db, tenant, "cart", max_items=1)
    c = client(tenant, learner)
    assert add(c, make_course(tenant)).status_int == 201
    r = add(c, make_course(tenant))
    assert r.status_int == 422 and "at most 1" in r.json["detail"]


def test_an_owned_course_is_refused_but_seats_of_it_are_not(
    tenant, learner, client, make_course, enrol_directly
):
    course = make_course(tenant)
    enrol_directly(tenant, course, learner)
    c = client(tenant, learner)
    r = add(c, course)
    assert r.status_int == 409 and r.json["detail"] == "you already have this course"
    r = add(c, course, quantity=5)
    assert r.status_int == 201 and r.json["kind"] == "seats"
    r = c.patch_json(f"{ITEMS}/{r.json['id']}", {"quantity": 1})
    assert r.status_int == 409


@pytest.mark.parametrize(
    ("url", "body", "path"),
    [
        (ITEMS, {"course_id": "nope"}, ["body", "course_id"]),
        (ITEMS, {"course_id": str(uuid.uuid4()), "quantity": 0}, ["body", "quantity"]),
        (ITEMS, {"course_id": str(uuid.uuid4()), "quantity": 1001}, ["body", "quantity"]),
        (ITEMS, {"course_id": str(uuid.uuid4()), "price_minor": 1}, ["body", "price_minor"]),
        (CODES, {"code": "no spaces"}, ["body", "code"]),
        (CODES, {"code": "x" * 65}, ["body", "code"]),
        (CHECKOUT, {"country": "XX"}, ["body", "country"]),
    ],
)
def test_invalid_bodies_are_422(tenant, learner, client, url, body, path):
    r = client(tenant, learner).post_json(url, body)
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"] == path


def test_invalid_quantity_patch_and_idempotency_key(tenant, learner, client, make_course):
    c = client(tenant, learner)
    item = add(c, make_course(tenant)).json
    r = c.patch_json(f"{ITEMS}/{item['id']}", {"quantity": "many"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "quantity"]
    r = c.post_json(CHECKOUT, {}, headers={"Idempotency-Key": "k" * 201})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["header", "Idempotency-Key"]


ROUTES = [
    ("GET", CART),
    ("POST", ITEMS),
    ("GET", f"{ITEMS}/{uuid.uuid4()}"),
    ("PATCH", f"{ITEMS}/{uuid.uuid4()}"),
    ("DELETE", f"{ITEMS}/{uuid.uuid4()}"),
    ("POST", CODES),
    ("DELETE", f"{CODES}/SAVE10"),
    ("POST", CHECKOUT),
]


def _call(c, method, url):
    if method == "GET":
        return c.get(url)
    if method == "DELETE":
        return c.delete(url)
    return getattr(c, f"{method.lower()}_json")(url, {})


def test_anonymous_callers_get_401(tenant, client):
    for method, url in ROUTES:
        r = _call(client(tenant), method, url)
        assert r.status_int == 401, (method, url, r.status)


def test_roles_without_the_cart_permission_get_403(tenant, user_factory, client):
    c = client(tenant, user_factory(tenant, "guest"))
    for method, url in ROUTES:
        r = _call(c, method, url)
        assert r.status_int == 403 and r.json["detail"].endswith("cart:cart:use"), (method, url)


def test_other_tenants_tokens_and_items_do_not_cross(
    tenant, other_tenant, learner, user_factory, client, foreign_client, make_course
):
    item = add(client(tenant, learner), make_course(tenant)).json
    url = f"{ITEMS}/{item['id']}"
    for method, route in [*ROUTES, ("GET", url), ("DELETE", url)]:
        assert _call(foreign_client(tenant, other_tenant), method, route).status_int == 401
    # another user of the tenant, or a user of the other tenant on their host: 404
    for c in (
        client(tenant, user_factory(tenant)),
        client(other_tenant, user_factory(other_tenant)),
    ):
        assert c.get(url).status_int == 404
        assert c.patch_json(url, {"quantity": 2}).status_int == 404
        assert c.delete(url).status_int == 404
    assert client(tenant, learner).get(url).json["quantity"] == 1
