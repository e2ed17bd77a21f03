"""The authorization matrix: every JSON API endpoint registered so far, called by an
anonymous client, a learner, an instructor, a tenant admin, and a user of another
tenant (with that tenant's token), must answer as its declaration says:

* anonymous on an endpoint that needs a signed-in user: 401;
* a token of another tenant: treated as anonymous here (401), never served;
* a role lacking the endpoint's declared permission: 403;
* a role holding it (or any signed-in user when no permission is declared): neither
  401 nor 403 (the call may still fail validation, or 404 on a random id).

Endpoints open to anonymous callers are listed in OPEN with the statuses they may give.
"""

import itertools
import uuid

import pytest

from learninghub.identity import role_grants

ROLES = ("learner", "instructor", "admin")

#: endpoints anyone may call (sign-in, sign-up, recovery): anonymous must not get 401/403
OPEN = {
    "api.auth.token",
    "api.auth.refresh",
    "api.auth.token.mfa",
    "api.auth.signup",
    "api.auth.verify_email",
    "api.auth.verify_email.resend",
    "api.auth.password.forgot",
    "api.auth.password.reset",
    "api.me.email.confirm",
    "api.users.profile",
    "api.users.avatar",
}

#: (route, method, role) -> statuses allowed besides the generic rule, for endpoints whose
#: view makes a further, data-dependent decision
EXTRA_ALLOWED: dict[tuple[str, str], set[int]] = {}


def _path(pattern: str) -> str:
    out = []
    for part in pattern.split("/"):
        out.append(str(uuid.uuid4()) if part.startswith("{") else part)
    return "/".join(out)


_addresses = itertools.count(1)


def _call(c, method, path):
    # each call from its own documentation-range address: the matrix makes hundreds of
    # calls, more than the per-IP rate limit allows one client in a minute
    n = next(_addresses)
    env = {"REMOTE_ADDR": f"198.18.{n // 250 % 250}.{n % 250 + 1}"}
    if method == "GET":
        return c.get(path, extra_environ=env)
    if method == "DELETE":
        return c.delete(path, extra_environ=env)
    return getattr(c, method.lower() + "_json")(path, {}, extra_environ=env)


def endpoints(registry):
    seen = set()
    for e in registry.get("api.endpoints", []):
        key = (e.route_name, e.method)
        if key not in seen:
            seen.add(key)
            yield e


def test_every_api_endpoint_answers_by_its_declaration(
    registry, tenant, other_tenant, user_factory, client
):
    users = {role: user_factory(tenant, role) for role in ROLES}
    stranger = user_factory(other_tenant, "admin")
    grants = role_grants(registry, registry["tenancy.resolver"].by_id(tenant.id))
    checked = 0
    failures = []
    for e in endpoints(registry):
        path = _path(e.path)
        anon = _call(client(tenant), e.method, path)
        foreign = client(tenant)
        foreign.headers.update(client(other_tenant, stranger).headers)
        cross = _call(foreign, e.method, path)
        if e.route_name in OPEN or not e.authenticated:
            if anon.status_int in (401, 403):
                failures.append((e.route_name, e.method, "anonymous", anon.status_int))
        else:
            if anon.status_int != 401:
                failures.append((e.route_name, e.method, "anonymous", anon.status_int))
            if cross.status_int != 401:
                failures.append((e.route_name, e.method, "other tenant", cross.status_int))
        for role, user in users.items():
            r = _call(client(tenant, user), e.method, path)
            allowed = e.permission is None or str(e.permission) in grants.get(role, set())
            extra = EXTRA_ALLOWED.get((e.route_name, e.method), set())
            if allowed and r.status_int in (401, 403) and r.status_int not in extra:
                failures.append((e.route_name, e.method, role, r.status_int))
            if not allowed and r.status_int != 403:
                failures.append((e.route_name, e.method, role, r.status_int))
        checked += 1
    assert checked >= 10
    assert failures == [], failures


@pytest.mark.parametrize(
    "path, method, anonymous",
    [
        ("/", "GET", 200),
        ("/login", "GET", 200),
        ("/announcements", "GET", 303),
        ("/api/v1/openapi.json", "GET", 200),
        ("/api/docs", "GET", 200),
    ],
)
def test_pages_for_anonymous_visitors(tenant, client, path, method, anonymous):
    r = _call(client(tenant), method, path)
    assert r.status_int == anonymous or (anonymous == 303 and r.status_int in (302, 303, 403))
