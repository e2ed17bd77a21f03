"""Rate limits (the API gateway role) and the sign-in lockout.

Limits are token buckets of :class:`~learninghub.interfaces.IRateLimiter` (Redis when
``cache.url`` is Redis, so every node shares them), keyed by tenant (``None`` for an
unknown host) and by:

* ``ratelimit.ip`` — the client IP (:func:`learninghub.clientip.client_ip`; an IPv6
  client counts as its /64), every request except ``/healthz``, ``/readyz`` and
  ``/metrics``;
* ``ratelimit.auth`` — the client IP again, on each route marked with
  ``config.add_strict_rate_limit(route_name)`` (its own bucket per route);
* ``ratelimit.user`` — the signed-in user;
* ``ratelimit.api_key`` — an API key (``Bearer lhk_<prefix>_...``), by its prefix.

Where each is counted:

* the **tween** (under the request-id tween, over pyramid_tm) applies the IP limit
  before a transaction or a database session exists, so a flood is refused at the
  cost of one limiter call;
* a **view deriver** applies the route, user and API-key limits once the route is
  known and the identity computed — inside the transaction, before permission and
  CSRF checks. The user is not known to the tween: an identity costs a database
  lookup (page sessions are server-side rows, access tokens die with their session),
  which only the transaction may do; pyramid_tm computes it when the transaction
  begins (``tm.annotate_user``), so the deriver gets it for free. Counting an API key
  only once it authenticated means nobody can drain someone else's key by sending
  its (not secret) prefix with a wrong secret: such requests count against their IP.

Each response that went through a limit carries ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the bucket is full) of
the tightest bucket; a refusal is a 429 (problem+json for the API, the error page
for pages) with ``Retry-After``.

Per-tenant overrides: ``tenant.settings["ratelimit"] = {"ip": "N/SECONDS", ...}``
with the keys ``ip``, ``user``, ``api_key``, ``auth``; an invalid value is logged and
the instance default applies.

:class:`LoginGuard` locks one (client IP, account) pair after
``ratelimit.lockout_threshold`` failed sign-ins; see docs/rate-limiting.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from types import SimpleNamespace
from typing import Any

from pyramid.interfaces import IRoutesMapper
from pyramid.response import Response

from .api import ProblemError, is_api_request, problem_response
from .clientip import client_ip
from .config import as_rate
from .errors import ConfigurationError
from .interfaces import ICache, IMailer, IRateLimiter
from .services.ratelimit import RateLimitResult

__all__ = [
    "LoginGuard",
    "Rate",
    "RateLimitPolicy",
    "RateLimitResult",
    "Rates",
    "add_strict_rate_limit",
    "client_bucket",
    "includeme",
]

log = logging.getLogger("learninghub.ratelimit")

#: Never limited: probes and scrapers must see the truth even during a flood.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
#: Methods a strict route counts by default: submitting a form, not showing it.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The limits a tenant may override in ``tenant.settings["ratelimit"]``.
LIMIT_NAMES = ("ip", "user", "api_key", "auth")
#: Where the per-request state lives in ``request.__dict__``.
STATE_KEY = "_lh_ratelimit"
#: The sign-in lockout mail links to this page when it exists.
FORGOT_PASSWORD_ROUTE = "accounts.page.forgot_password"
#: At most one "limiter unavailable" warning per this many seconds and process.
_OUTAGE_LOG_EVERY = 60.0

_SCOPES = {
    "ip": "from your address",
    "auth": "to this sign-in route from your address",
    "user": "for your account",
    "api_key": "with this API key",
}


@dataclass(frozen=True)
class Rate:
    """``limit`` requests per ``period`` seconds (a burst of ``limit``)."""

    limit: int
    period: float

    @classmethod
    def parse(cls, text: Any) -> Rate:
        """Parse ``"N/SECONDS"``; ``ValueError`` says what is wrong."""
        count, _, seconds = as_rate(text).partition("/")
        return cls(int(count), float(seconds))

    def __str__(self) -> str:
        return f"{self.limit}/{self.period:g}"


@dataclass(frozen=True)
class Rates:
    """The four limits in force for one tenant."""

    ip: Rate
    user: Rate
    api_key: Rate
    auth: Rate


def client_bucket(ip: str) -> str:
    """The part of a client address a limit counts: an IPv4 address, or the /64 of an
    IPv6 address (one subscriber gets a whole /64 and could rotate through it)."""
    if ":" not in ip:
        return ip or "unknown"
    try:
        address = ipaddress.IPv6Address(ip)
    except ValueError:
        return ip
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


def api_key_prefix(request) -> str | None:
    """``lhk_<prefix>_`` of a bearer API key, or None."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() != "bearer ":
        return None
    token = auth[7:].strip()
    if not token.startswith("lhk_"):
        return None
    prefix, sep, _ = token[4:].partition("_")
    if not sep or not 1 <= len(prefix) <= 16 or not prefix.isalnum() or not prefix.isascii():
        return None
    return f"lhk_{prefix}_"


class RateLimitPolicy:
    """Instance limits, per-tenant overrides and the routes with a strict limit."""

    def __init__(self, defaults: Rates) -> None:
        self.defaults = defaults
        #: route name -> methods that count (None: every method)
        self.strict_routes: dict[str, frozenset[str] | None] = {}
        self._tenants: dict[uuid.UUID, tuple[Any, Rates]] = {}

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> RateLimitPolicy:
        """Parse ``ratelimit.ip|user|api_key|auth``; ``ConfigurationError`` names the key."""
        rates = {}
        for name in LIMIT_NAMES:
            key = f"ratelimit.{name}"
            try:
                rates[name] = Rate.parse(settings[key])
            except (KeyError, ValueError) as exc:
                raise ConfigurationError(key, str(exc)) from None
        return cls(Rates(**rates))

    def rates_for(self, tenant) -> Rates:
        """The limits of ``tenant`` (a TenantInfo or None), overrides parsed once."""
        raw = tenant.settings.get("ratelimit") if tenant is not None else None
        if not raw:
            return self.defaults
        cached = self._tenants.get(tenant.id)
        if cached is not None and (cached[0] is raw or cached[0] == raw):
            return cached[1]
        rates = self._overridden(tenant, raw)
        if len(self._tenants) >= 10_000:  # bounded; a miss only costs a parse
            self._tenants.clear()
        self._tenants[tenant.id] = (raw, rates)
        return rates

    def _overridden(self, tenant, raw: Any) -> Rates:
        if not isinstance(raw, dict):
            log.warning(
                "tenant %s: settings.ratelimit must be a mapping, not %r; using the "
                "instance limits",
                tenant.slug,
                raw,
            )
            return self.defaults
        values = {name: getattr(self.defaults, name) for name in LIMIT_NAMES}
        for name, text in raw.items():
            if name not in values:
                log.warning(
                    "tenant %s: unknown rate limit %r in settings.ratelimit (known: %s)",
                    tenant.slug,
                    name,
                    ", ".join(LIMIT_NAMES),
                )
                continue
            try:
                values[name] = Rate.parse(text)
            except ValueError as exc:
                log.warning(
                    "tenant %s: invalid settings.ratelimit.%s (%s); using the instance limit %s",
                    tenant.slug,
                    name,
                    exc,
                    values[name],
                )
        return Rates(**values)

    def strict_methods(self, route_name: str) -> frozenset[str] | None | bool:
        """The counted methods of a strict route, or False when the route is not strict."""
        return self.strict_routes.get(route_name, False)


def add_strict_rate_limit(config, route_name: str, methods: Iterable[str] | None = None) -> None:
    """Directive ``config.add_strict_rate_limit(route_name)``: requests to the route also
    count against ``ratelimit.auth`` (per client IP, one bucket per route).

    ``methods`` are the request methods that count; by default POST, PUT, PATCH and
    DELETE (submitting a sign-in form counts, showing it does not); ``"*"`` counts all.
    Mark sign-in, token, refresh, sign-up, password reset and code-checking routes."""
    if not isinstance(route_name, str) or not route_name:
        raise ConfigurationError("add_strict_rate_limit", "route_name must be a route's name")
    if methods == "*":
        counted: frozenset[str] | None = None
    elif methods is None:
        counted = UNSAFE_METHODS
    else:
        counted = frozenset(m.upper() for m in methods)
    policy: RateLimitPolicy = config.registry["ratelimit.policy"]
    policy.strict_routes[route_name] = counted


# --------------------------------------------------------------------- per request


class RequestLimits:
    """The buckets one request went through (``request.__dict__[STATE_KEY]``)."""

    __slots__ = ("limiter", "tenant_id", "ip", "rates", "results", "counted_view")

    def __init__(self, limiter, tenant_id: uuid.UUID | None, ip: str, rates: Rates) -> None:
        self.limiter = limiter
        self.tenant_id = tenant_id
        self.ip = ip
        self.rates = rates
        self.results: list[RateLimitResult] = []
        self.counted_view = False

    def hit(self, scope: str, key: str) -> tuple[str, Rate, RateLimitResult] | None:
        """Count one request in bucket ``key`` under limit ``scope``; return the refusal,
        if any. A limiter that fails lets the request through (logged)."""
        rate: Rate = getattr(self.rates, scope)
        try:
            outcome = self.limiter.hit(self.tenant_id, key, rate.limit, rate.period)
        except Exception as exc:
            _log_outage(exc)
            return None
        self.results.append(outcome)
        return None if outcome.allowed else (scope, rate, outcome)

    def refusal(self, request, refused: tuple[str, Rate, RateLimitResult]) -> Response:
        scope, rate, outcome = refused
        retry = str(max(1, math.ceil(outcome.retry_after)))
        if is_api_request(request):
            return problem_response(
                request,
                429,
                "Too many requests",
                f"more than {rate.limit} requests in {rate.period:g} s {_SCOPES[scope]}; "
                f"retry in {retry} s",
                headers={"Retry-After": retry},
            )
        from .web import render_error_page

        response = render_error_page(request, 429, "Too Many Requests")
        response.headers["Retry-After"] = retry
        return response

    def decorate(self, response: Response) -> None:
        """Set the RateLimit-* headers of the tightest bucket (the refusing one first)."""
        if not self.results:
            return
        tightest = min(self.results, key=lambda r: (r.allowed, r.remaining, -r.reset_after))
        headers = response.headers
        headers["RateLimit-Limit"] = str(tightest.limit)
        headers["RateLimit-Remaining"] = str(tightest.remaining)
        headers["RateLimit-Reset"] = str(math.ceil(tightest.reset_after))


_last_outage_log = [0.0]


def _log_outage(exc: Exception) -> None:
    now = time.monotonic()
    if now - _last_outage_log[0] >= _OUTAGE_LOG_EVERY:
        _last_outage_log[0] = now
        log.warning("rate limiter unavailable, requests are not limited: %r", exc)


def find_limiter(registry) -> IRateLimiter:
    """The process's IRateLimiter (registered by learninghub.services.wiring)."""
    from pyramid_services import find_service_factory

    factory = find_service_factory(SimpleNamespace(registry=registry), IRateLimiter)
    service = getattr(factory, "service", None)
    return service if service is not None else factory(None, None)


def tween_factory(handler: Callable[[Any], Response], registry) -> Callable[[Any], Response]:
    """Apply the IP limit before the transaction; set the RateLimit-* headers."""
    policy: RateLimitPolicy = registry["ratelimit.policy"]
    limiter = find_limiter(registry)
    mapper = registry.queryUtility(IRoutesMapper)
    known = {route.name for route in mapper.get_routes()} if mapper is not None else set()
    for name in sorted(set(policy.strict_routes) - known):
        log.warning("add_strict_rate_limit(%r): no route has that name", name)

    def ratelimit_tween(request) -> Response:
        if request.path_info in EXEMPT_PATHS:
            return handler(request)
        tenant = request.tenant
        ip = client_bucket(client_ip(request))
        state = RequestLimits(
            limiter, tenant.id if tenant is not None else None, ip, policy.rates_for(tenant)
        )
        request.__dict__[STATE_KEY] = state
        refused = state.hit("ip", f"ip:{ip}")
        response = (
            _refuse_before_transaction(state, request, refused) if refused else handler(request)
        )
        state.decorate(response)
        return response

    return ratelimit_tween


def _refuse_before_transaction(state: RequestLimits, request, refused) -> Response:
    """The IP limit refuses before pyramid_tm and before the router found a view:
    render the refusal as for a visitor (no user, no traversal context) and close any
    database session the rendering opened. (A signed-in refusal used to resolve the
    user through ``request.db``, a session no transaction would ever end: each one
    kept a pooled connection, and a rate-limited user exhausted the pool.)"""
    request.__dict__["_lh_identity"] = None
    if not hasattr(request, "context"):
        request.context = None
    try:
        return state.refusal(request, refused)
    finally:
        session = request.__dict__.get("db")
        if session is not None:
            session.close()


def view_deriver(view, info):
    """Apply the strict-route, user and API-key limits once per request, before the view."""
    if getattr(info, "exception_only", False):
        return view
    policy: RateLimitPolicy = info.registry["ratelimit.policy"]

    def ratelimited_view(context, request):
        state: RequestLimits | None = request.__dict__.get(STATE_KEY)
        if state is None or state.counted_view or getattr(request, "exception", None) is not None:
            return view(context, request)
        state.counted_view = True
        refused = None
        route = request.matched_route
        if route is not None:
            methods = policy.strict_methods(route.name)
            if methods is not False and (methods is None or request.method in methods):
                refused = state.hit("auth", f"auth:{route.name}:{state.ip}")
        if refused is None:
            user = request.identity
            if user is not None:
                prefix = api_key_prefix(request)
                if prefix is not None:
                    refused = state.hit("api_key", f"key:{prefix}")
                if refused is None:
                    refused = state.hit("user", f"user:{user.id}")
        if refused is not None:
            return state.refusal(request, refused)
        return view(context, request)

    return ratelimited_view


# --------------------------------------------------------------------- sign-in lockout


class LoginGuard:
    """Lock one (client IP, account) pair after repeated failed sign-ins.

    Counting per pair, not per account, means an attacker elsewhere cannot lock the
    owner out: only the address that failed is paused for that account. Counters live
    in :class:`~learninghub.interfaces.ICache` (shared by every node with Redis) and are
    not transactional: a failed sign-in counts even though its request rolls back.

    Usage in a sign-in view: ``check(email)`` before verifying the password,
    ``failure(email, user)`` when it is wrong (``user`` = the account, when one exists
    and is active), ``success(email)`` when it is right. The lockout works whether or
    not ``ratelimit.enabled`` is set; ``ratelimit.lockout_threshold = 0`` turns it off.
    The owner's mail and the ``accounts.user.locked_out`` event join the request's
    transaction: answer the failed sign-in with a response (not a raised exception) so
    that the transaction commits.
    """

    def __init__(self, request) -> None:
        settings = request.registry.settings
        self.request = request
        self.threshold: int = settings["ratelimit.lockout_threshold"]
        self.seconds: int = settings["ratelimit.lockout_seconds"]
        tenant = request.tenant
        self.tenant_id = tenant.id if tenant is not None else None
        self.ip = client_ip(request) or "unknown"
        self._cache: ICache | None = None

    @property
    def cache(self) -> ICache:
        if self._cache is None:
            self._cache = self.request.find_service(ICache)
        return self._cache

    def _keys(self, email: str) -> tuple[str, str]:
        # hashed: no addresses in cache keys, and no separator can be smuggled in
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        pair = f"{client_bucket(self.ip)}:{digest}"
        return f"login:failures:{pair}", f"login:locked:{pair}"

    def check(self, email: str) -> None:
        """Raise a 429 problem (with ``Retry-After``) when the pair is locked; a 503
        when the counter store is unreachable (sign-in fails closed)."""
        if self.threshold <= 0:
            return
        _, locked_key = self._keys(email)
        try:
            until = self.cache.get(self.tenant_id, locked_key)
        except Exception:
            log.exception("sign-in lockout store unavailable")
            raise ProblemError(
                503,
                "Service unavailable",
                "sign-in is paused for a moment; try again shortly",
                headers={"Retry-After": "30"},
            ) from None
        if until is None:
            return
        retry = max(1, math.ceil(float(until) - time.time()))
        raise ProblemError(
            429,
            "Too many requests",
            "too many failed sign-ins to this account from your address; try again "
            "later or reset your password",
            headers={"Retry-After": str(retry)},
        )

    def failure(self, email: str, user=None) -> None:
        """Count a failed sign-in of the pair; at the threshold, lock the pair and (when
        ``user`` is given) emit ``accounts.user.locked_out`` and mail the owner."""
        if self.threshold <= 0:
            return
        failures_key, locked_key = self._keys(email)
        count = self.cache.incr(self.tenant_id, failures_key, ttl=self.seconds)
        if count < self.threshold:
            return
        self.cache.set(self.tenant_id, locked_key, time.time() + self.seconds, ttl=self.seconds)
        self.cache.delete(self.tenant_id, failures_key)
        log.warning(
            "sign-in locked for %s s: %s failures for one account from %s (tenant %s)",
            self.seconds,
            count,
            self.ip,
            self.tenant_id or "-",
        )
        if user is not None:
            self._locked_out(user)

    def success(self, email: str) -> None:
        """Forget the pair's failures."""
        if self.threshold <= 0:
            return
        failures_key, _ = self._keys(email)
        self.cache.delete(self.tenant_id, failures_key)

    def _locked_out(self, user) -> None:
        request = self.request
        request.emit(
            "accounts.user.locked_out",
            resource_type="user",
            resource_id=user.id,
            payload={"ip": self.ip},
        )
        # one mail per account and lockout period, however many addresses get locked
        if self.cache.incr(self.tenant_id, f"login:notified:{user.id}", ttl=self.seconds) != 1:
            return
        request.find_service(IMailer).send(self._mail(user), request.tm)

    def _mail(self, user) -> EmailMessage:
        request = self.request
        tenant = request.tenant
        mapper = request.registry.queryUtility(IRoutesMapper)
        if mapper is not None and mapper.get_route(FORGOT_PASSWORD_ROUTE) is not None:
            reset = request.route_url(FORGOT_PASSWORD_ROUTE)
        else:
            reset = request.application_url + "/"
        minutes = max(1, round(self.seconds / 60))
        greeting = f"Hello {user.display_name},\n\n" if user.display_name else "Hello,\n\n"
        message = EmailMessage()
        message["Subject"] = f"[{tenant.name}] Sign-in paused after failed attempts"
        message["To"] = (
            formataddr((user.display_name, user.email)) if user.display_name else (user.email)
        )
        message.set_content(
            f"{greeting}there were {self.threshold} failed attempts to sign in to your "
            f"account on {tenant.name} from the address {self.ip}. Signing in to your "
            f"account from that address is paused for {minutes} minute"
            f"{'s' if minutes != 1 else ''}; signing in from anywhere else still works.\n\n"
            "If it was you, wait and try again, or choose a new password here:\n\n"
            f"{reset}\n\n"
            "If it was not you, your password held. Choose a new one anyway if you use it "
            "on other sites.\n"
        )
        return message


# --------------------------------------------------------------------- set-up


def includeme(config) -> None:
    settings = config.get_settings()
    config.registry["ratelimit.policy"] = RateLimitPolicy.from_settings(settings)
    if settings["ratelimit.lockout_threshold"] < 0:
        raise ConfigurationError("ratelimit.lockout_threshold", "must be 0 (off) or more")
    if settings["ratelimit.lockout_seconds"] < 1:
        raise ConfigurationError("ratelimit.lockout_seconds", "must be at least 1 second")
    # the accounts sign-in code asks the registry for the guard
    config.registry["ratelimit.login_guard"] = LoginGuard
    config.add_directive("add_strict_rate_limit", add_strict_rate_limit)
    config.add_strict_rate_limit("api.auth.token")
    if not settings["ratelimit.enabled"]:
        return
    config.add_tween(
        "learninghub.ratelimit.tween_factory",
        under="learninghub.observability.request_tween_factory",
        over="pyramid_tm.tm_tween_factory",
    )
    config.add_view_deriver(
        view_deriver,
        name="learninghub_ratelimit",
        under="learninghub_plugin_enabled",
        over="secured_view",
    )
