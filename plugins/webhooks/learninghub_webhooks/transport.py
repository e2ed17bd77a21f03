"""Outbound HTTP with SSRF protection.

Rules (docs/plugins/webhooks.md, "Network safety"):

* Only ``http`` and ``https`` URLs without user info.
* The host is resolved here, and *every* address it resolves to must be public:
  private (RFC 1918, ``fc00::/7``), loopback, link-local (``169.254.0.0/16``,
  ``fe80::/10`` — cloud metadata services live there), multicast, unspecified,
  reserved, shared (``100.64.0.0/10``) and other non-global addresses are refused,
  also when embedded in IPv6 (IPv4-mapped, 6to4, Teredo). Loopback is allowed only
  with the instance setting ``allow_loopback``.
* The request is sent to the checked address itself (pinned): the URL's host is
  replaced by the IP, the ``Host`` header and the TLS server name (SNI, and the
  certificate check) keep the original name. A DNS answer that changes between the
  check and the connection (DNS rebinding) cannot move the request elsewhere.
* Environment proxies are ignored (``trust_env=False``) and redirects are never
  followed: a 3xx answer is a failed attempt, recorded with its ``Location`` (and
  with the reason the redirect target would be refused, when it would be).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field

import httpx

#: bytes of the answer kept in the delivery log
RESPONSE_EXCERPT_BYTES = 2048
MAX_LOGGED_HEADERS = 30
USER_AGENT = "LearningHub-Webhooks/1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL or one of the addresses it resolves to may not be called."""


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    is_ip: bool


@dataclass
class Outcome:
    """What one attempt gave."""

    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    excerpt: str = ""
    address: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


def parse_target(url: str) -> Target:
    """Check the URL's form (not its addresses)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise TargetRefused("the URL is not valid") from None
    if parsed.scheme not in ("http", "https"):
        raise TargetRefused("only http and https URLs are allowed")
    if parsed.userinfo:
        raise TargetRefused("user names and passwords in the URL are not allowed")
    if not parsed.raw_host:
        raise TargetRefused("the URL has no host")
    if parsed.fragment:
        raise TargetRefused("the URL may not have a fragment (#...)")
    host = parsed.raw_host.decode("ascii").strip("[]").rstrip(".").lower()
    if not host:
        raise TargetRefused("the URL has no host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    return Target(parsed, host, port, is_ip)


def refusal(address: IPAddress, allow_loopback: bool) -> str | None:
    """Why ``address`` may not be called, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return refusal(address.ipv4_mapped, allow_loopback)
        if address.sixtofour is not None:
            return refusal(address.sixtofour, allow_loopback) or (
                None if address.is_global else "a non-public address"
            )
        if address.teredo is not None:
            return refusal(address.teredo[1], allow_loopback) or "a Teredo address"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a non-public address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_addresses(target: Target, allow_loopback: bool) -> list[IPAddress]:
    """The target's addresses, all allowed; raises :class:`TargetRefused` otherwise."""
    if target.is_ip:
        raw = [target.host]
    else:
        try:
            raw = resolve(target.host, target.port)
        except (OSError, UnicodeError):
            raise TargetRefused(f"the host name {target.host} does not resolve") from None
        if not raw:
            raise TargetRefused(f"the host name {target.host} does not resolve")
    addresses = []
    for value in raw:
        address = ipaddress.ip_address(value.split("%", 1)[0])  # drop an IPv6 zone
        reason = refusal(address, allow_loopback)
        if reason is not None:
            if target.is_ip:
                raise TargetRefused(f"{address} is {reason}")
            raise TargetRefused(f"{target.host} resolves to {address}, {reason}")
        addresses.append(address)
    return addresses


def check_url(url: str, allow_loopback: bool) -> Target:
    """Form and addresses of ``url`` (used when an endpoint is saved)."""
    target = parse_target(url)
    checked_addresses(target, allow_loopback)
    return target


def _header_excerpt(headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in list(headers.items())[:MAX_LOGGED_HEADERS]:
        out[key.lower()] = value[:200]
    return out


def redirect_note(base: httpx.URL, location: str, allow_loopback: bool) -> str:
    """Why a redirect was not followed, with the reason its target would be refused."""
    note = f"redirects are not followed (Location: {location[:300]})"
    try:
        target = parse_target(str(base.join(location)))
        checked_addresses(target, allow_loopback)
    except TargetRefused as exc:
        note += f"; the redirect target is refused: {exc}"
    except Exception:  # noqa: BLE001 - a malformed Location is still just a failure
        note += "; the redirect target is not a valid URL"
    return note


def post(
    url: str,
    body: str,
    headers: dict[str, str],
    *,
    allow_loopback: bool,
    connect_timeout: float,
    read_timeout: float,
) -> Outcome:
    """POST ``body`` to ``url`` after the checks above. Never raises for network or
    policy errors: they are reported in :attr:`Outcome.error`."""
    started = time.monotonic()
    outcome = Outcome()
    try:
        target = parse_target(url)
        address = checked_addresses(target, allow_loopback)[0]
    except TargetRefused as exc:
        outcome.error = f"refused: {exc}"
        return outcome
    outcome.address = str(address)
    host_header = target.url.netloc.decode("ascii")
    pinned = target.url.copy_with(host=str(address))
    extensions = {}
    if target.url.scheme == "https" and not target.is_ip:
        extensions["sni_hostname"] = target.host
    send_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
        "Host": host_header,
    }
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
    )
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            request = client.build_request(
                "POST", pinned, content=body.encode(), headers=send_headers, extensions=extensions
            )
            response = client.send(request, stream=True)
            try:
                outcome.status_code = response.status_code
                outcome.headers = _header_excerpt(response.headers)
                kept = b""
                for chunk in response.iter_bytes():
                    kept += chunk
                    if len(kept) >= RESPONSE_EXCERPT_BYTES:
                        break
                outcome.excerpt = kept[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace")
            finally:
                response.close()
    except httpx.TimeoutException as exc:
        outcome.error = f"timed out ({type(exc).__name__})"
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:500]
    else:
        code = outcome.status_code or 0
        if 300 <= code < 400:
            location = response.headers.get("location", "")
            outcome.error = redirect_note(target.url, location, allow_loopback)
        elif not 200 <= code < 300:
            outcome.error = f"HTTP {code}"
    finally:
        outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome
