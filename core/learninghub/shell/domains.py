"""Custom domains of a tenant: add, verify, remove; the platform's answer for the HTTP
verification method and the TLS "ask" endpoint of on-demand certificates.

A tenant admin (``tenant:settings:manage``) adds a domain; it routes to the tenant
only once verified (the resolver matches verified rows only). Verification proves
control of the domain by either:

* **DNS**: a TXT record ``_learninghub-challenge.<domain>`` whose value is
  ``learninghub-verification=<token>``, looked up with dnspython through the
  nameservers of setting ``domains.dns_nameservers`` (``ip`` or ``ip:port``; empty:
  the system's resolver);
* **HTTP**: ``http://<domain>/.well-known/learninghub-domain-verification`` answering
  the token. Pointing the domain at the platform is enough: the platform answers that
  path on any Host with the token of the *unverified* domain named by the Host header.
  The check connects to ``domains.verify_connect`` (``host:port``, development and
  tests) or else to the domain's own public address on port 80; it follows no
  redirect, gives up after 5 seconds and reads at most 1 KB.

Rules: a domain is lower-cased and must match :data:`learninghub.tenancy.DOMAIN_RE`;
the platform's ``tenancy.base_domain`` and its subdomains are refused (422); a domain
another tenant verified, or claimed less than :data:`UNVERIFIED_CLAIM_TTL` ago, is a
409 (an older unverified claim is released to the newcomer, so nobody can squat a
domain they cannot verify); at most :data:`MAX_DOMAINS` per tenant.

Pages: ``/admin/domains``. API: ``GET/POST /api/v1/tenant/domains``,
``DELETE /api/v1/tenant/domains/{id}``, ``POST /api/v1/tenant/domains/{id}/verify``.
Events: ``tenant.domain_added``, ``tenant.domain_verified``, ``tenant.domain_removed``.
``GET /.well-known/learninghub/tls-ask?domain=<d>`` answers 200 for a verified custom
domain or ``<active tenant slug>.<base_domain>``, else 404, on any Host.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import secrets
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response

from ..api import Page, PageQuery, ProblemError, api_view, paginate, problem_response
from ..db import utcnow
from ..permissions import KernelPermission as K
from ..tenancy import DOMAIN_RE, TenantDomain, normalize_host
from . import gate, render_page

log = logging.getLogger("learninghub.domains")

DOMAINS_PAGE = "admin/domains.jinja2"
MAX_DOMAINS = 20
UNVERIFIED_CLAIM_TTL = timedelta(days=7)
CHALLENGE_LABEL = "_learninghub-challenge"
TXT_PREFIX = "learninghub-verification="
WELL_KNOWN_PATH = "/.well-known/learninghub-domain-verification"
TLS_ASK_PATH = "/.well-known/learninghub/tls-ask"
CHECK_TIMEOUT = 5.0
HTTP_READ_LIMIT = 1024
LAST_ERROR_MAX = 300


class DomainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: str = Field(min_length=1, max_length=253, description="e.g. learn.example.org")


class VerificationOut(BaseModel):
    dns_name: str = Field(description="TXT record to create")
    dns_value: str
    http_url: str = Field(description="or serve the token at this address")
    http_body: str


class DomainOut(BaseModel):
    id: uuid.UUID
    domain: str
    verified: bool
    verified_by: str = Field(description='"dns" or "http" once verified')
    verified_at: datetime | None
    last_checked_at: datetime | None
    last_error: str
    created_at: datetime
    verification: VerificationOut


def domain_out(row: TenantDomain) -> DomainOut:
    return DomainOut(
        id=row.id,
        domain=row.domain,
        verified=row.verified,
        verified_by=row.verified_by,
        verified_at=row.verified_at,
        last_checked_at=row.last_checked_at,
        last_error=row.last_error,
        created_at=row.created_at,
        verification=VerificationOut(
            dns_name=f"{CHALLENGE_LABEL}.{row.domain}",
            dns_value=f"{TXT_PREFIX}{row.verification_token}",
            http_url=f"http://{row.domain}{WELL_KNOWN_PATH}",
            http_body=row.verification_token,
        ),
    )


# ----------------------------------------------------------------- rules


def normalize_domain(value: str) -> str | None:
    """The domain lower-cased (IDNs in their ASCII form), or None when it is not one."""
    domain = (value or "").strip().lower().rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return domain if DOMAIN_RE.match(domain) else None


def _base_domain(request) -> str:
    return str(request.registry.settings["tenancy.base_domain"]).lower().strip(".")


def _is_platform_domain(request, domain: str) -> bool:
    base = _base_domain(request)
    return domain == base or domain.endswith("." + base)


def _tenant_domains(request):
    return sa.select(TenantDomain).where(TenantDomain.tenant_id == request.tenant.id)


def add_domain(request, value: str) -> TenantDomain:
    """Add ``value`` for the request's tenant (unverified), or a 409/422 ProblemError."""
    _ = request.gettext
    domain = normalize_domain(value)
    if domain is None:
        raise ProblemError(
            422,
            "Validation failed",
            _("Enter a domain name such as learn.example.org (without https:// or a path)."),
            errors=[{"path": ["body", "domain"], "message": "invalid domain", "type": "domain"}],
        )
    if _is_platform_domain(request, domain):
        raise ProblemError(
            422,
            "Validation failed",
            _(
                "Addresses under %(base)s are the platform's; add a domain of your own.",
                base=_base_domain(request),
            ),
            errors=[{"path": ["body", "domain"], "message": "platform domain", "type": "domain"}],
        )
    db = request.db
    existing = db.scalar(sa.select(TenantDomain).where(TenantDomain.domain == domain))
    if existing is not None:
        if existing.tenant_id == request.tenant.id:
            raise ProblemError(409, "Conflict", _("You already added %(domain)s.", domain=domain))
        stale = not existing.verified and existing.created_at < utcnow() - UNVERIFIED_CLAIM_TTL
        if not stale:
            raise ProblemError(409, "Conflict", _("Another site uses %(domain)s.", domain=domain))
        log.info(
            "releasing the stale unverified claim of %s by tenant %s", domain, existing.tenant_id
        )
        db.delete(existing)
        db.flush()
    count = db.scalar(sa.select(sa.func.count()).select_from(_tenant_domains(request).subquery()))
    if count >= MAX_DOMAINS:
        raise ProblemError(
            422,
            "Too many domains",
            _("A site can have at most %(n)s domains; remove one first.", n=MAX_DOMAINS),
        )
    row = TenantDomain(
        tenant_id=request.tenant.id,
        domain=domain,
        verified=False,
        verification_token=secrets.token_urlsafe(24),
    )
    try:
        with db.begin_nested():
            db.add(row)
    except sa.exc.IntegrityError:  # added by someone else a moment ago
        raise ProblemError(
            409, "Conflict", _("Another site uses %(domain)s.", domain=domain)
        ) from None
    request.emit(
        "tenant.domain_added",
        resource_type="domain",
        resource_id=str(row.id),
        payload={"domain": domain},
    )
    return row


def find_domain(request, domain_id: str) -> TenantDomain:
    """The request's tenant's domain with that id, or a 404 ProblemError."""
    try:
        key = uuid.UUID(str(domain_id))
    except ValueError:
        raise ProblemError(404, "Not found", "no such domain") from None
    row = request.db.scalar(_tenant_domains(request).where(TenantDomain.id == key))
    if row is None:
        raise ProblemError(404, "Not found", "no such domain")
    return row


def remove_domain(request, row: TenantDomain) -> None:
    request.db.delete(row)
    request.db.flush()
    request.emit(
        "tenant.domain_removed",
        resource_type="domain",
        resource_id=str(row.id),
        payload={"domain": row.domain, "was_verified": row.verified},
    )
    request.registry["tenancy.resolver"].invalidate(request.tm)


# ----------------------------------------------------------------- checks


class CheckFailed(Exception):
    """A verification method did not confirm the domain; the message says why."""


def _parse_nameserver(entry: str) -> tuple[str, int]:
    entry = entry.strip()
    if entry.startswith("["):  # [ipv6]:port
        host, _, port = entry[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, 53


def check_dns(settings: dict[str, Any], domain: str, token: str) -> None:
    """Raise :class:`CheckFailed` unless the TXT record holds the token."""
    import dns.exception
    import dns.nameserver
    import dns.resolver

    name = f"{CHALLENGE_LABEL}.{domain}"
    servers = [s for s in settings.get("domains.dns_nameservers") or [] if s.strip()]
    try:
        if servers:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(host, port)
                for host, port in map(_parse_nameserver, servers)
            ]
        else:
            resolver = dns.resolver.Resolver()
        resolver.timeout = resolver.lifetime = CHECK_TIMEOUT
        answer = resolver.resolve(name, "TXT")
    except dns.resolver.NXDOMAIN:
        raise CheckFailed(f"DNS: no record {name}") from None
    except dns.resolver.NoAnswer:
        raise CheckFailed(f"DNS: {name} has no TXT record") from None
    except dns.exception.Timeout:
        raise CheckFailed(f"DNS: the lookup of {name} timed out") from None
    except (dns.exception.DNSException, ValueError, OSError) as exc:
        raise CheckFailed(f"DNS: the lookup of {name} failed ({exc.__class__.__name__})") from None
    expected = f"{TXT_PREFIX}{token}"
    values = [b"".join(rdata.strings).decode("utf-8", "replace").strip() for rdata in answer]
    if expected not in values:
        raise CheckFailed(f"DNS: the TXT record of {name} does not hold {expected}")


def _public_address(domain: str) -> str:
    """The domain's first address, refusing loopback, private and other non-public ones
    (the check must not become a way to probe the platform's own network)."""
    try:
        infos = socket.getaddrinfo(domain, 80, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise CheckFailed(f"HTTP: {domain} has no address") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise CheckFailed(f"HTTP: {domain} has no address")
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise CheckFailed(f"HTTP: {domain} points to a non-public address ({address})")
    return addresses[0]


def _connect_target(settings: dict[str, Any], domain: str) -> tuple[str, int]:
    override = str(settings.get("domains.verify_connect") or "").strip()
    if override:
        host, _, port = override.rpartition(":")
        return host.strip("[]"), int(port)
    return _public_address(domain), 80


def _describe(exc: Exception) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | http.client.RemoteDisconnected):
        return "the connection was closed"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return exc.__class__.__name__


def check_http(settings: dict[str, Any], domain: str, token: str) -> None:
    """Raise :class:`CheckFailed` unless ``http://<domain>/.well-known/...`` answers the
    token. No redirects, 5 seconds in all (a watchdog closes a slow connection), at most
    1 KB read."""
    url = f"http://{domain}{WELL_KNOWN_PATH}"
    deadline = time.monotonic() + CHECK_TIMEOUT
    expired = threading.Event()
    timer: threading.Timer | None = None
    try:
        host, port = _connect_target(settings, domain)
        conn = http.client.HTTPConnection(host, port, timeout=CHECK_TIMEOUT)
    except (ValueError, CheckFailed) as exc:
        raise CheckFailed(
            str(exc) if isinstance(exc, CheckFailed) else "HTTP: bad target"
        ) from None
    try:
        conn.connect()
        sock = conn.sock

        def stop() -> None:
            expired.set()
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        timer = threading.Timer(max(0.05, deadline - time.monotonic()), stop)
        timer.daemon = True
        timer.start()
        conn.putrequest("GET", WELL_KNOWN_PATH, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", domain)
        conn.putheader("User-Agent", "LearningHub-domain-check/1")
        conn.putheader("Accept", "text/plain")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        status = response.status
        body = response.read(HTTP_READ_LIMIT)
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError | socket.timeout):
            raise CheckFailed(f"HTTP: {url} did not answer within 5 seconds") from None
        raise CheckFailed(f"HTTP: could not fetch {url} ({_describe(exc)})") from None
    finally:
        if timer is not None:
            timer.cancel()
        conn.close()
    if expired.is_set():
        raise CheckFailed(f"HTTP: {url} did not answer within 5 seconds")
    if 300 <= status < 400:
        raise CheckFailed(f"HTTP: {url} answered a redirect ({status}); redirects are not followed")
    if status != 200:
        raise CheckFailed(f"HTTP: {url} answered {status}")
    if body.decode("utf-8", "replace").strip() != token:
        raise CheckFailed(f"HTTP: {url} does not hold the verification token")


def verify_domain(request, row: TenantDomain) -> bool:
    """Try DNS, then HTTP; record the outcome on ``row``. True once verified."""
    if row.verified:
        return True
    settings = request.registry.settings
    errors = []
    method = ""
    for name, check in (("dns", check_dns), ("http", check_http)):
        try:
            check(settings, row.domain, row.verification_token)
        except CheckFailed as exc:
            errors.append(str(exc))
        else:
            method = name
            break
    row.last_checked_at = utcnow()
    if method:
        row.verified = True
        row.verified_by = method
        row.verified_at = row.last_checked_at
        row.last_error = ""
        request.db.flush()
        request.emit(
            "tenant.domain_verified",
            resource_type="domain",
            resource_id=str(row.id),
            payload={"domain": row.domain, "method": method},
        )
        request.registry["tenancy.resolver"].invalidate(request.tm)
        return True
    message = "; ".join(errors)
    row.last_error = (
        message if len(message) <= LAST_ERROR_MAX else message[: LAST_ERROR_MAX - 1] + "…"
    )
    request.db.flush()
    return False


# ----------------------------------------------------------------- API


@api_view(
    "api.tenant.domains",
    "/api/v1/tenant/domains",
    "GET",
    query=PageQuery,
    response=Page[DomainOut],
    permission=K.SETTINGS_MANAGE,
    summary="The tenant's custom domains, newest first",
)
def domains_list(request, query: PageQuery) -> Page[DomainOut]:
    rows, next_cursor = paginate(
        request.db, _tenant_domains(request), TenantDomain.created_at, TenantDomain.id, query
    )
    return Page[DomainOut](items=[domain_out(r) for r in rows], next_cursor=next_cursor)


@api_view(
    "api.tenant.domains",
    "/api/v1/tenant/domains",
    "POST",
    body=DomainIn,
    response=DomainOut,
    status=201,
    permission=K.SETTINGS_MANAGE,
    summary="Add a custom domain (unverified until POST .../verify succeeds)",
)
def domains_add(request, body: DomainIn) -> DomainOut:
    row = add_domain(request, body.domain)
    request.response.headers["Location"] = f"/api/v1/tenant/domains/{row.id}"
    return domain_out(row)


@api_view(
    "api.tenant.domain",
    "/api/v1/tenant/domains/{id}",
    "DELETE",
    status=204,
    permission=K.SETTINGS_MANAGE,
    summary="Remove a custom domain (it stops serving the site at once)",
)
def domains_delete(request) -> None:
    remove_domain(request, find_domain(request, request.matchdict["id"]))


@api_view(
    "api.tenant.domain.verify",
    "/api/v1/tenant/domains/{id}/verify",
    "POST",
    response=DomainOut,
    permission=K.SETTINGS_MANAGE,
    summary="Check the DNS TXT record, then the HTTP file; 422 with the reasons when "
    "neither proves control of the domain",
)
def domains_verify(request):
    row = find_domain(request, request.matchdict["id"])
    if verify_domain(request, row):
        return domain_out(row)
    # returned, not raised: the recorded check (last_checked_at, last_error) is kept
    return problem_response(
        request,
        422,
        "Verification failed",
        row.last_error,
        extra={"domain": domain_out(row).model_dump(mode="json")},
    )


# ----------------------------------------------------------------- well-known answers


def verification_file(request) -> Response:
    """The token of the unverified domain named by the Host header (any Host)."""
    host = normalize_host(request.host)
    row = request.db.scalar(
        sa.select(TenantDomain).where(TenantDomain.domain == host, TenantDomain.verified.is_(False))
    )
    if row is None:
        raise HTTPNotFound()
    response = Response(row.verification_token, content_type="text/plain", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def tls_ask(request) -> Response:
    """200 when a certificate may be issued for ``?domain=``: a verified custom domain
    or ``<active tenant slug>.<base_domain>``. Answers on any Host."""
    domain = normalize_domain(request.GET.get("domain", ""))
    allowed = False
    if domain is not None:
        settings = request.registry.settings
        info = request.registry["tenancy.resolver"].by_host(domain)
        if info is not None:
            # the development fallback (localhost...) never gets a certificate
            allowed = domain.endswith("." + _base_domain(request)) or domain not in (
                settings.get("tenancy.fallback_hosts") or []
            )
    response = Response(
        "ok\n" if allowed else "unknown domain\n",
        status=200 if allowed else 404,
        content_type="text/plain",
        charset="utf-8",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ----------------------------------------------------------------- page


def domains_page(request):
    denied = gate(request, K.SETTINGS_MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    status = 200
    error = ""
    entered = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                entered = request.POST.get("domain", "")
                row = add_domain(request, entered)
                return HTTPSeeOther(location=f"/admin/domains?added={row.id}#domain-{row.id}")
            row = find_domain(request, request.POST.get("domain_id", ""))
            if action == "verify":
                if verify_domain(request, row):
                    return HTTPSeeOther(location=f"/admin/domains?verified={row.id}")
                status = 422
                error = _(
                    "%(domain)s could not be verified: %(reason)s",
                    domain=row.domain,
                    reason=row.last_error,
                )
            elif action == "delete":
                remove_domain(request, row)
                return HTTPSeeOther(location="/admin/domains?removed=1")
            else:
                raise ProblemError(400, "Bad request", _("Unknown action."))
        except ProblemError as exc:
            status = exc.status
            error = exc.detail or exc.title
    rows = list(request.db.scalars(_tenant_domains(request).order_by(TenantDomain.created_at)))
    flash = ""
    by_id = {str(r.id): r for r in rows}
    if request.GET.get("added") in by_id:
        flash = _(
            "%(domain)s added. Prove you control it with one of the two methods below.",
            domain=by_id[request.GET["added"]].domain,
        )
    elif request.GET.get("verified") in by_id:
        flash = _(
            "%(domain)s is verified: your site answers there now.",
            domain=by_id[request.GET["verified"]].domain,
        )
    elif request.GET.get("removed"):
        flash = _("Domain removed.")
    return render_page(
        request,
        DOMAINS_PAGE,
        status,
        section="/admin/domains",
        domains=[domain_out(r) for r in rows],
        error=error,
        entered=entered,
        flash=flash,
        base_domain=_base_domain(request),
        slug_host=f"{request.tenant.slug}.{_base_domain(request)}",
        max_domains=MAX_DOMAINS,
    )


def includeme(config) -> None:
    config.add_route("admin.domains", "/admin/domains")
    config.add_view(domains_page, route_name="admin.domains", request_method=("GET", "POST"))
    config.add_route("domains.verification_file", WELL_KNOWN_PATH)
    config.add_view(
        verification_file, route_name="domains.verification_file", request_method=("GET", "HEAD")
    )
    config.add_route("domains.tls_ask", TLS_ASK_PATH)
    config.add_view(tls_ask, route_name="domains.tls_ask", request_method=("GET", "HEAD"))
    # a check can hold a worker thread for ~10 s (DNS then HTTP): per-IP cap
    config.add_strict_rate_limit("api.tenant.domain.verify")
    config.scan(__name__)
