"""The client's IP address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress


def client_ip(request) -> str:
    """``request.remote_addr``, or — when that is one of ``ratelimit.trusted_proxies`` —
    the right-most address of ``X-Forwarded-For`` that is not a trusted proxy."""
    remote = request.remote_addr or ""
    trusted = set(request.registry.settings.get("ratelimit.trusted_proxies") or [])
    if not trusted or remote not in trusted:
        return remote
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    for candidate in reversed([p for p in forwarded if p]):
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            break
        if candidate not in trusted:
            return candidate
    return remote
