"""The signed-in user's profile, avatar and email address; public profiles.

* ``bio`` is plain text (never interpreted as HTML; templates escape it).
* ``locale`` is a BCP 47 language tag of the form ``language[-Script][-REGION]`` whose
  language is one the C library knows (``locale.locale_alias``); ``timezone`` an IANA
  name from :func:`zoneinfo.available_timezones`. Empty strings mean "tenant default".
* Avatars are PNG or JPEG (sniffed from their first bytes, not trusted from the
  Content-Type), at most 2 MB, stored under ``avatars/<user id>/<random>.<ext>``; the
  previous file is deleted only once the new key is committed (and the new file when
  the transaction aborts), so a failure never leaves a profile pointing at nothing.
* A profile is public when its owner says so: then anyone on the tenant's site sees
  the display name, bio and avatar. Signed-in users of the same tenant see avatars.
* Changing the email address needs the password and a link mailed to the new
  address; the old address is told once the change is done.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import unicodedata
import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pyramid.response import Response

from ..api import ProblemError, api_view
from ..identity import User, normalize_email
from ..interfaces import IFileStorage
from ..web import require_tenant
from . import notify, onetime
from .signup import DisplayName, Email, Password, StatusOut, Token, find_user, invalid_token

log = logging.getLogger("learninghub.accounts")

BIO_MAX_LENGTH = 2000
AVATAR_MAX_BYTES = 2 * 1024 * 1024
#: content type -> (file extension, magic bytes)
AVATAR_TYPES = {
    "image/png": ("png", b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": ("jpg", b"\xff\xd8\xff"),
}
AVATAR_CONTENT_TYPES = {ext: ctype for ctype, (ext, _) in AVATAR_TYPES.items()}
LOCALE_RE = re.compile(r"([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?")


@functools.cache
def known_languages() -> frozenset[str]:
    import locale

    codes = set()
    for alias in locale.locale_alias:
        head = re.split(r"[_.@]", alias, maxsplit=1)[0]
        if re.fullmatch(r"[a-z]{2,3}", head):
            codes.add(head)
    return frozenset(codes)


@functools.cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def normalize_locale(value: str) -> str:
    """``pt_br`` -> ``pt-BR``; raises ValueError for anything not tag-shaped or an
    unknown language."""
    value = value.strip().replace("_", "-")
    if not value:
        return ""
    match = LOCALE_RE.fullmatch(value)
    if match is None:
        raise ValueError("use a language tag such as en, pt-BR or zh-Hant-TW")
    language, script, region = match.groups()
    if language.lower() not in known_languages():
        raise ValueError(f"unknown language {language.lower()!r}")
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


def check_timezone(value: str) -> str:
    value = value.strip()
    if value and value not in known_timezones():
        raise ValueError("use an IANA time zone name such as Europe/Paris")
    return value


def clean_bio(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValueError("must not contain control characters")
    if len(value) > BIO_MAX_LENGTH:
        raise ValueError(f"use at most {BIO_MAX_LENGTH} characters")
    return value


class ProfileUpdate(BaseModel):
    """Fields to change; absent fields stay as they are, ``null`` is refused."""

    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName | None = None
    bio: Annotated[str, Field(max_length=4 * BIO_MAX_LENGTH), AfterValidator(clean_bio)] | None = (
        None
    )
    locale: Annotated[str, Field(max_length=20), AfterValidator(normalize_locale)] | None = None
    timezone: Annotated[str, Field(max_length=60), AfterValidator(check_timezone)] | None = None
    public_profile: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value


class ProfileOut(BaseModel):
    id: uuid.UUID
    email: str
    email_verified: bool
    display_name: str
    bio: str
    locale: str
    timezone: str
    public_profile: bool
    avatar_url: str | None
    created_at: datetime


class PublicProfileOut(BaseModel):
    id: uuid.UUID
    display_name: str
    bio: str
    avatar_url: str | None


class AvatarOut(BaseModel):
    avatar_url: str | None


class EmailChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_email: Email
    password: Password


class EmailConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Token


# ----------------------------------------------------------------- operations


def avatar_url(request, user: User, route_name: str = "api.users.avatar") -> str | None:
    """The avatar's URL (versioned: a new upload gets a new URL), or None."""
    if not user.avatar_key:
        return None
    version = user.avatar_key.rsplit("/", 1)[-1].split(".")[0]
    return request.route_url(route_name, id=str(user.id), _query={"v": version})


def profile_out(request, user: User) -> ProfileOut:
    return ProfileOut(
        id=user.id,
        email=user.email,
        email_verified=user.email_verified,
        display_name=user.display_name,
        bio=user.bio,
        locale=user.locale,
        timezone=user.timezone,
        public_profile=user.public_profile,
        avatar_url=avatar_url(request, user),
        created_at=user.created_at,
    )


def update_profile(request, user: User, changes: dict[str, Any]) -> list[str]:
    """Apply validated ``changes`` (a :class:`ProfileUpdate` dump); return the names of
    the fields that changed."""
    changed = []
    for field, value in changes.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        notify.record(request, "accounts.profile.updated", user, fields=",".join(sorted(changed)))
    return changed


def user_from_path(request) -> User:
    try:
        user_id = uuid.UUID(str(request.matchdict.get("id", "")))
    except ValueError:
        raise ProblemError(404, "Not found", "no such user") from None
    user = request.db.get(User, user_id)  # None for another tenant's user
    if user is None:
        raise ProblemError(404, "Not found", "no such user")
    return user


def _storage_swap(request, new_key: str, old_key: str) -> None:
    """Delete ``old_key`` once the transaction commits, ``new_key`` if it aborts."""
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id

    def delete(key: str) -> None:
        if not key:
            return
        try:
            storage.delete(tenant_id, key)
        except Exception:  # a leftover file is harmless; a failed request is not
            log.exception("could not delete avatar file %s", key)

    txn = request.tm.get()
    txn.addAfterCommitHook(lambda success: delete(old_key if success else new_key))
    txn.addAfterAbortHook(delete, args=(new_key,))


def read_avatar_upload(request) -> tuple[bytes, str]:
    """The raw request body as ``(data, extension)``, or a 413/415/422 problem."""
    declared = (request.content_type or "").lower()
    if declared not in AVATAR_TYPES:
        raise ProblemError(415, "Unsupported media type", "send image/png or image/jpeg")
    too_large = ProblemError(
        413, "Payload too large", f"avatars are limited to {AVATAR_MAX_BYTES} bytes"
    )
    if request.content_length and request.content_length > AVATAR_MAX_BYTES:
        raise too_large
    data = request.body_file.read(AVATAR_MAX_BYTES + 1)
    if len(data) > AVATAR_MAX_BYTES:
        raise too_large
    if not data:
        raise ProblemError(422, "Validation failed", "the image is empty")
    extension, magic = AVATAR_TYPES[declared]
    if not data.startswith(magic) or (extension == "png" and data[12:16] != b"IHDR"):
        raise ProblemError(
            415, "Unsupported media type", f"the body is not a {declared.split('/')[1]} image"
        )
    return data, extension


def set_avatar(request, user: User, data: bytes, extension: str) -> None:
    key = f"avatars/{user.id}/{secrets.token_hex(8)}.{extension}"
    request.find_service(IFileStorage).save(
        request.tenant.id, key, data, content_type=AVATAR_CONTENT_TYPES[extension]
    )
    _storage_swap(request, key, user.avatar_key)
    user.avatar_key = key
    notify.record(request, "accounts.profile.updated", user, fields="avatar")


def remove_avatar(request, user: User) -> None:
    if user.avatar_key:
        _storage_swap(request, "", user.avatar_key)
        user.avatar_key = ""
        notify.record(request, "accounts.profile.updated", user, fields="avatar")


def request_email_change(request, user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to ``new_email``. A taken address gets a notice for
    its owner instead; the caller cannot tell the difference."""
    passwords = request.registry["passwords"]
    if not passwords.verify(user, password):
        raise ProblemError(
            422,
            "Invalid credentials",
            "the password is wrong",
            errors=[{"path": ["body", "password"], "message": "wrong password", "type": "auth"}],
        )
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise ProblemError(
            422,
            "Validation failed",
            "this is already your email address",
            errors=[{"path": ["body", "new_email"], "message": "unchanged", "type": "value_error"}],
        )
    owner = find_user(request, new_email)
    if owner is not None:
        if owner.status != "banned":
            notify.email_taken_mail(request, owner)
        log.info("email change of user=%s to a taken address", user.id)
        return
    ttl = request.registry.settings["auth.verification_ttl"]
    token = onetime.issue(
        request,
        onetime.CHANGE_EMAIL,
        user=user,
        email=new_email,
        ttl=ttl,
        payload={"old_email": user.email},
    )
    notify.email_change_mail(request, user, new_email, token, ttl)
    log.info("email change of user=%s requested", user.id)


def confirm_email_change(request, token: str) -> User:
    """Switch the address with a mailed token (409 when it was taken meanwhile)."""
    row = onetime.consume(request, onetime.CHANGE_EMAIL, token)
    user = request.db.get(User, row.user_id) if row is not None and row.user_id else None
    if row is None or user is None or not user.is_active:
        raise invalid_token()
    if user.email != row.payload.get("old_email"):
        raise invalid_token()  # the address changed since the link was sent
    taken = ProblemError(409, "Conflict", "another account uses this email address now")
    if find_user(request, row.email) is not None:
        raise taken
    old_email = user.email
    try:
        with request.db.begin_nested():
            user.email = row.email
            user.email_verified = True
    except sa.exc.IntegrityError:
        raise taken from None
    notify.email_changed_mail(request, user, old_email)
    notify.record(request, "accounts.email.changed", user)
    return user


def can_see_avatar(request, user: User) -> bool:
    if not user.avatar_key:
        return False
    if request.identity is not None:
        return True  # identities are always of the request's tenant
    return user.public_profile and user.is_active


def avatar_response(request, user: User) -> Response:
    if not can_see_avatar(request, user):
        raise ProblemError(404, "Not found", "no avatar")
    try:
        data = request.find_service(IFileStorage).read(request.tenant.id, user.avatar_key)
    except KeyError:
        raise ProblemError(404, "Not found", "no avatar") from None
    extension = user.avatar_key.rsplit(".", 1)[-1]
    response = Response(
        body=data,
        content_type=AVATAR_CONTENT_TYPES.get(extension, "application/octet-stream"),
        conditional_response=True,
    )
    response.etag = user.avatar_key.rsplit("/", 1)[-1]
    response.cache_control = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# ----------------------------------------------------------------- API


@api_view(
    "api.me.profile",
    "/api/v1/me/profile",
    "GET",
    response=ProfileOut,
    authenticated=True,
    summary="Your profile",
)
def get_my_profile(request) -> ProfileOut:
    return profile_out(request, request.identity)


@api_view(
    "api.me.profile",
    "/api/v1/me/profile",
    "PATCH",
    body=ProfileUpdate,
    response=ProfileOut,
    authenticated=True,
    summary="Change your display name, bio, locale, time zone or visibility",
)
def update_my_profile(request, body: ProfileUpdate) -> ProfileOut:
    update_profile(request, request.identity, body.model_dump(exclude_unset=True))
    return profile_out(request, request.identity)


@api_view(
    "api.me.avatar",
    "/api/v1/me/avatar",
    "PUT",
    response=AvatarOut,
    authenticated=True,
    summary="Upload your avatar (raw image/png or image/jpeg body, at most 2 MB)",
)
def put_my_avatar(request) -> AvatarOut:
    data, extension = read_avatar_upload(request)
    set_avatar(request, request.identity, data, extension)
    return AvatarOut(avatar_url=avatar_url(request, request.identity))


@api_view(
    "api.me.avatar",
    "/api/v1/me/avatar",
    "DELETE",
    status=204,
    authenticated=True,
    summary="Remove your avatar",
)
def delete_my_avatar(request) -> None:
    remove_avatar(request, request.identity)


@api_view(
    "api.users.avatar",
    "/api/v1/users/{id}/avatar",
    "GET",
    summary="A user's avatar (public profiles, or any user for signed-in members)",
)
def get_user_avatar(request) -> Response:
    return avatar_response(request, user_from_path(request))


@api_view(
    "api.users.profile",
    "/api/v1/users/{id}/profile",
    "GET",
    response=PublicProfileOut,
    summary="A user's public profile",
)
def get_public_profile(request) -> PublicProfileOut:
    user = user_from_path(request)
    if not (user.public_profile and user.is_active):
        raise ProblemError(404, "Not found", "no such user")
    return PublicProfileOut(
        id=user.id,
        display_name=user.display_name,
        bio=user.bio,
        avatar_url=avatar_url(request, user),
    )


@api_view(
    "api.me.email",
    "/api/v1/me/email",
    "POST",
    body=EmailChangeBody,
    response=StatusOut,
    status=202,
    authenticated=True,
    summary="Change your email address (a confirmation link goes to the new one)",
)
def change_my_email(request, body: EmailChangeBody) -> dict[str, str]:
    request_email_change(request, request.identity, body.new_email, body.password)
    return {"status": "confirmation_sent"}


@api_view(
    "api.me.email.confirm",
    "/api/v1/me/email/confirm",
    "POST",
    body=EmailConfirmBody,
    response=ProfileOut,
    summary="Confirm an email change with the mailed token",
)
def confirm_my_email(request, body: EmailConfirmBody) -> ProfileOut:
    return profile_out(request, confirm_email_change(request, body.token))


def avatar_page_view(request) -> Response:
    """The avatar on the pages' side (session cookie), for ``<img src>``."""
    require_tenant(request)
    return avatar_response(request, user_from_path(request))


def includeme(config) -> None:
    config.scan(__name__)
    config.add_route("accounts.page.avatar", "/users/{id}/avatar")
    config.add_view(avatar_page_view, route_name="accounts.page.avatar", request_method="GET")
    if hasattr(config, "add_strict_rate_limit"):
        config.add_strict_rate_limit("api.me.email")  # checks the password
