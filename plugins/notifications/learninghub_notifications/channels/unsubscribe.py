"""Signed one-click unsubscribe links (RFC 8058) and their pages.

Every notification email carries ``List-Unsubscribe: <.../notifications/unsubscribe/<token>>``
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``; the token names the user,
the notification type and the channel and is signed, so the links work without
signing in:

* ``POST /notifications/unsubscribe/{token}`` (what a mail client sends for the
  one-click button, and what the confirmation page's button posts) turns that type's
  emails off for that user and answers 200. No sign-in, no CSRF token: the token is
  the authentication (RFC 8058 §3: the POST carries no cookie). Idempotent.
* ``GET`` the same URL shows a confirmation page with the button (mail scanners
  follow links: a GET never changes anything).

A token is ``<payload>.<mac>`` (base64url without padding): the payload is
``1|<user id>|<channel>|<type>``, the MAC an HMAC-SHA256 (first 16 bytes) of the
tenant's id and the payload, with a key derived from the instance's ``secret.key``.
Binding the tenant into the MAC (not the payload) makes another tenant's token fail
like a tampered one (400) without disclosing ids. Tokens do not expire: a link in an
old email must still work; rotating ``secret.key`` retires them all. The type ``*``
(the digest's links) means every notification type.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.renderers import render_to_response
from sqlalchemy.exc import IntegrityError

from learninghub.i18n import speak_to
from learninghub.identity import User

from .. import services
from ..models import Preference

log = logging.getLogger(__name__)

ROUTE = "notifications.unsubscribe"
PATH = "/notifications/unsubscribe/{token}"
#: the type of a token that stops every notification email (the digest's link)
ALL_TYPES = "*"
VERSION = "1"
_KEY_INFO = b"learninghub notifications unsubscribe v1"
_MAC_BYTES = 16
_MAX_TOKEN = 400


class BadToken(ValueError):
    """A token that is malformed, tampered with or signed for another tenant."""


@dataclass(frozen=True)
class Unsubscribe:
    """What a verified token asks for."""

    user_id: uuid.UUID
    type: str
    channel: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(settings) -> bytes:
    return hmac.new(settings["secret.key"].encode(), _KEY_INFO, hashlib.sha256).digest()


def _mac(settings, tenant_id: uuid.UUID, payload: bytes) -> bytes:
    signed = tenant_id.bytes + payload
    return hmac.new(_key(settings), signed, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(request, user_id: uuid.UUID, type_key: str, channel: str = "email") -> str:
    """The token of (the request's tenant, ``user_id``, ``type_key``, ``channel``)."""
    payload = "|".join((VERSION, user_id.hex, channel, type_key)).encode()
    mac = _mac(request.registry.settings, request.tenant.id, payload)
    return f"{_b64(payload)}.{_b64(mac)}"


def read_token(request, token: str) -> Unsubscribe:
    """Verify ``token`` for the request's tenant; :class:`BadToken` otherwise."""
    if not token or len(token) > _MAX_TOKEN or token.count(".") != 1:
        raise BadToken("malformed")
    body, _, signature = token.partition(".")
    try:
        payload, mac = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        raise BadToken("malformed") from None
    expected = _mac(request.registry.settings, request.tenant.id, payload)
    if not hmac.compare_digest(mac, expected):
        raise BadToken("bad signature")
    try:
        version, user_hex, channel, type_key = payload.decode().split("|", 3)
        user_id = uuid.UUID(hex=user_hex)
    except ValueError:
        raise BadToken("malformed") from None
    if version != VERSION or not channel or not type_key:
        raise BadToken("malformed")
    return Unsubscribe(user_id, type_key, channel)


def unsubscribe_url(request, user_id: uuid.UUID, type_key: str, channel: str = "email") -> str:
    """The absolute link for ``List-Unsubscribe`` and the emails' footers: HTTPS when
    the site is served over HTTPS (``auth.cookie_secure``), as RFC 8058 requires."""
    token = make_token(request, user_id, type_key, channel)
    if request.registry.settings.get("auth.cookie_secure"):
        return request.route_url(ROUTE, token=token, _scheme="https")
    return request.route_url(ROUTE, token=token)


def _registered_types(request) -> dict[str, str]:
    """key -> translated title of the types registered for the request's tenant."""
    return {key: kind.title for key, kind in services.types(request).items()}


def turn_off(request, user_id: uuid.UUID, type_key: str, channel: str) -> list[str]:
    """Write the preference (type, channel) = off for ``user_id`` (every registered
    type for :data:`ALL_TYPES`); returns the types changed. Safe when run twice or
    concurrently (unique preference rows, an insert that loses the race updates)."""
    keys = sorted(_registered_types(request)) if type_key == ALL_TYPES else [type_key]
    db = request.db
    changed = []
    for key in keys:
        where = (
            Preference.user_id == user_id,
            Preference.type == key,
            Preference.channel == channel,
        )
        row = db.scalar(sa.select(Preference).where(*where).with_for_update())
        if row is None:
            try:
                with db.begin_nested():
                    db.add(Preference(user_id=user_id, type=key, channel=channel, enabled=False))
                    db.flush()
                changed.append(key)
                continue
            except IntegrityError:
                row = db.scalar(sa.select(Preference).where(*where).with_for_update())
        if row is not None and row.enabled:
            row.enabled = False
            changed.append(key)
    db.flush()
    return changed


def is_off(request, user_id: uuid.UUID, type_key: str, channel: str) -> bool:
    """True when the user's own preference already turns (type, channel) off."""
    if type_key == ALL_TYPES:
        return False
    return (
        request.db.scalar(
            sa.select(Preference.enabled).where(
                Preference.user_id == user_id,
                Preference.type == type_key,
                Preference.channel == channel,
            )
        )
        is False
    )


def _page(request, template: str, values: dict, status: int = 200):
    response = render_to_response(
        f"learninghub_notifications:templates/{template}", values, request=request
    )
    response.status_int = status
    # the token is in the URL: keep it out of caches, Referer headers and search engines
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _verified(request) -> tuple[Unsubscribe | None, User | None]:
    try:
        wanted = read_token(request, request.matchdict["token"])
    except BadToken as exc:
        log.info("unsubscribe refused: %s", exc)
        return None, None
    user = request.db.get(User, wanted.user_id)
    if user is not None:
        speak_to(request, user)  # the page speaks the language of the email's reader
    return wanted, user


def _values(request, wanted: Unsubscribe, user: User) -> dict:
    title = None
    if wanted.type != ALL_TYPES:
        title = _registered_types(request).get(wanted.type, wanted.type)
    return {
        "token_url": request.route_path(ROUTE, token=request.matchdict["token"]),
        "all_types": wanted.type == ALL_TYPES,
        "type_title": title,
        "email": user.email,
        "site_name": request.tenant.name,
        "preferences_url": "/account/notifications",
    }


def confirm_page(request):
    """``GET``: what the link would turn off, and the button that does it."""
    wanted, user = _verified(request)
    if wanted is None:
        return _page(request, "unsubscribe_invalid.jinja2", {}, 400)
    if user is None:
        return _page(request, "unsubscribe_invalid.jinja2", {}, 404)
    values = _values(request, wanted, user)
    values["already_off"] = is_off(request, wanted.user_id, wanted.type, wanted.channel)
    return _page(request, "unsubscribe.jinja2", values)


def unsubscribe(request):
    """``POST`` (RFC 8058 one-click, or the confirmation page's button): turn it off."""
    wanted, user = _verified(request)
    if wanted is None:
        return _page(request, "unsubscribe_invalid.jinja2", {}, 400)
    if user is None:
        return _page(request, "unsubscribe_invalid.jinja2", {}, 404)
    changed = turn_off(request, wanted.user_id, wanted.type, wanted.channel)
    log.info(
        "user %s unsubscribed from %s on %s (%d preferences changed)",
        wanted.user_id,
        wanted.type,
        wanted.channel,
        len(changed),
    )
    return _page(request, "unsubscribe_done.jinja2", _values(request, wanted, user))


def includeme(config) -> None:
    config.add_route(ROUTE, PATH)
    config.add_view(confirm_page, route_name=ROUTE, request_method="GET")
    # the token authenticates; a one-click POST comes from a mail client without cookies
    config.add_view(unsubscribe, route_name=ROUTE, request_method="POST", require_csrf=False)
