"""The guest cart: anonymous visitors keep their cart in the signed cookie ``lh_cart``.

The cookie holds the tenant id, the currency and ``[course id, quantity, price at
add]`` per line, serialised as JSON and signed with HMAC-SHA512 (WebOb's
``SignedSerializer``) under a key derived from the instance's ``secret.key`` and a
salt of our own. A cookie whose signature does not verify, that belongs to another
tenant or that does not have the expected shape is ignored (an empty cart). It is
HttpOnly, SameSite=Lax and Secure on HTTPS (or when ``auth.cookie_secure`` is on), and
is deleted when the visitor signs in (its lines are merged into their cart).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from webob.cookies import SignedSerializer

COOKIE = "lh_cart"
#: a short-lived note for the next page after sign-in (courses left out of the merge)
NOTICE_COOKIE = "lh_cart_notice"
MAX_AGE = 30 * 24 * 3600
SALT = "learninghub.cart.guest-cart"
NOTICE_SALT = "learninghub.cart.merge-notice"
MAX_COOKIE = 4000


@dataclass
class GuestLine:
    course_id: uuid.UUID
    quantity: int
    price_minor: int


def _serializer(request, salt: str) -> SignedSerializer:
    return SignedSerializer(request.registry.settings["secret.key"], salt)


def _secure(request) -> bool:
    return request.scheme == "https" or bool(request.registry.settings.get("auth.cookie_secure"))


def read(request) -> tuple[str | None, list[GuestLine]]:
    """The guest cart's currency and lines; ``(None, [])`` when there is none or the
    cookie is not one we signed for this tenant."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > MAX_COOKIE or request.tenant is None:
        return None, []
    try:
        data = _serializer(request, SALT).loads(raw.encode("ascii"))
    except (ValueError, UnicodeError, TypeError):
        return None, []
    try:
        if data["t"] != request.tenant.id.hex:
            return None, []
        currency = str(data["c"])
        lines = []
        seen = set()
        for course, quantity, price in data["i"]:
            course_id = uuid.UUID(hex=str(course))
            if course_id in seen or not (1 <= int(quantity) <= 1000) or int(price) < 0:
                return None, []
            seen.add(course_id)
            lines.append(GuestLine(course_id, int(quantity), int(price)))
    except (KeyError, TypeError, ValueError):
        return None, []
    return currency, lines


def write(request, response, currency: str, lines: list[GuestLine]) -> None:
    """Store the guest cart on ``response`` (deleted when empty)."""
    if not lines:
        delete(request, response)
        return
    value = _serializer(request, SALT).dumps(
        {
            "t": request.tenant.id.hex,
            "c": currency,
            "i": [[line.course_id.hex, line.quantity, line.price_minor] for line in lines],
        }
    )
    response.set_cookie(
        COOKIE,
        value.decode("ascii"),
        max_age=MAX_AGE,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="Lax",
    )


def delete(request, response) -> None:
    response.delete_cookie(COOKIE, path="/")


def set_notice(request, response, titles: list[str]) -> None:
    value = _serializer(request, NOTICE_SALT).dumps(
        {"t": request.tenant.id.hex, "owned": titles[:10]}
    )
    response.set_cookie(
        NOTICE_COOKIE,
        value.decode("ascii"),
        max_age=600,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="Lax",
    )


def read_notice(request) -> list[str]:
    """Titles of the owned courses left out at the last merge (the note is shown once:
    the caller deletes the cookie)."""
    raw = request.cookies.get(NOTICE_COOKIE)
    if not raw or len(raw) > MAX_COOKIE or request.tenant is None:
        return []
    try:
        data = _serializer(request, NOTICE_SALT).loads(raw.encode("ascii"))
        if data["t"] != request.tenant.id.hex:
            return []
        return [str(title) for title in data["owned"]][:10]
    except (KeyError, TypeError, ValueError, UnicodeError):
        return []
