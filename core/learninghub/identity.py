"""Identity core: tenant-scoped users, roles, password hashes, tokens, security policy.

* A person signs in per tenant: ``(tenant_id, email)`` is unique.
* Passwords are hashed with argon2id (argon2-cffi). In ``environment = test`` the
  hasher uses small parameters so that suites stay fast; it is still argon2id.
* Roles are granted tenant-wide (``resource_type`` empty) or on one resource
  (``resource_type="course", resource_id=...``). A context object that declares
  ``__lh_resource__ = ("course", "<id>")`` makes resource roles count.
* Pages authenticate with a signed session cookie (or a bearer token, which is not
  ambient and so needs no CSRF protection); the API (``/api/...``) with
  ``Authorization: Bearer <JWT>`` only, so API calls need no CSRF token. A token of
  one tenant is refused on every other tenant.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import argon2
import jwt
import sqlalchemy as sa
from pyramid.interfaces import ISecurityPolicy
from pyramid.security import Allowed, Denied
from sqlalchemy.orm import Mapped, mapped_column
from zope.interface import implementer

from .db import Base, TenantScoped, new_id, utcnow
from .permissions import KERNEL_GRANTS, KERNEL_ROLES

JWT_ALGORITHM = "HS256"
USER_STATUSES = ("active", "suspended", "banned")


class User(TenantScoped, Base):
    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(sa.String(254))
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    email_verified: Mapped[bool] = mapped_column(default=False)
    # Bumped when every session and token must die (password change, suspension).
    security_stamp: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    # profile
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    locale: Mapped[str] = mapped_column(sa.String(20), default="")
    timezone: Mapped[str] = mapped_column(sa.String(60), default="")
    avatar_key: Mapped[str] = mapped_column(sa.String(300), default="")
    public_profile: Mapped[bool] = mapped_column(default=False)
    #: accessibility display preferences (see learninghub.i18n.display_prefs)
    high_contrast: Mapped[bool] = mapped_column(default=False)
    font_scale: Mapped[int] = mapped_column(default=100)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class RoleGrant(TenantScoped, Base):
    __tablename__ = "role_grants"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "role", "resource_type", "resource_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(60))
    resource_type: Mapped[str] = mapped_column(sa.String(60), default="")
    resource_id: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def normalize_email(email: str) -> str:
    email = email.strip()
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if local else email.lower()


# --------------------------------------------------------------------- passwords


def make_password_hasher(settings: dict[str, Any]) -> argon2.PasswordHasher:
    if settings.get("environment") == "test":
        return argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return argon2.PasswordHasher()  # argon2id, RFC 9106 low-memory profile


class PasswordService:
    def __init__(self, hasher: argon2.PasswordHasher):
        self.hasher = hasher
        self._dummy = hasher.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, user: User | None, password: str) -> bool:
        """Constant-work check: a missing user still costs one hash verification."""
        if user is None or not user.password_hash:
            try:
                self.hasher.verify(self._dummy, password)
            except argon2.exceptions.VerificationError:
                pass
            return False
        try:
            return self.hasher.verify(user.password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def needs_rehash(self, user: User) -> bool:
        return self.hasher.check_needs_rehash(user.password_hash)


# --------------------------------------------------------------------- users and roles


def create_user(
    session,
    passwords: PasswordService,
    email: str,
    password: str | None,
    roles: tuple[str, ...] = ("learner",),
    display_name: str = "",
) -> User:
    user = User(
        email=normalize_email(email),
        display_name=display_name or email.split("@")[0],
        password_hash=passwords.hash(password) if password else "",
    )
    session.add(user)
    session.flush()
    for role in roles:
        grant_role(session, user, role)
    return user


def grant_role(
    session, user: User, role: str, resource_type: str = "", resource_id: str = ""
) -> RoleGrant:
    existing = session.scalar(
        sa.select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role,
            RoleGrant.resource_type == resource_type,
            RoleGrant.resource_id == resource_id,
        )
    )
    if existing:
        return existing
    grant = RoleGrant(
        user_id=user.id, role=role, resource_type=resource_type, resource_id=resource_id
    )
    session.add(grant)
    session.flush()
    return grant


def role_grants(registry, tenant) -> dict[str, set[str]]:
    """role -> permissions, from the kernel and the tenant's enabled plugins."""
    grants: dict[str, set[str]] = {r: set(map(str, p)) for r, p in KERNEL_GRANTS.items()}
    platform = registry.settings.get("platform.tenant")
    if tenant is not None and platform and tenant.slug == platform:
        from .permissions import KernelPermission

        grants["platform_admin"] = {
            str(KernelPermission.PLATFORM_TENANTS),
            str(KernelPermission.PROFILE_VIEW),
        }
    plugins = registry["plugins"]
    for name, plugin in plugins.plugins.items():
        if tenant is None or not tenant.is_enabled(name):
            continue
        for role, perms in plugin.manifest.default_grants.items():
            grants.setdefault(role, set()).update(map(str, perms))
    return grants


# --------------------------------------------------------------------- tokens


def issue_access_token(
    settings: dict[str, Any], user: User, tenant_id: uuid.UUID, session_id: uuid.UUID | None = None
) -> tuple[str, int]:
    """A short-lived JWT. With ``session_id`` (``sid``) it dies with that session."""
    ttl = settings["auth.access_token_ttl"]
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "tid": str(tenant_id),
        "typ": "access",
        "stamp": user.security_stamp,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": secrets.token_urlsafe(12),
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    return jwt.encode(claims, settings["secret.key"], algorithm=JWT_ALGORITHM), ttl


def decode_access_token(settings: dict[str, Any], token: str) -> dict[str, Any] | None:
    try:
        claims = jwt.decode(
            token,
            settings["secret.key"],
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "sub", "tid", "typ"]},
        )
    except jwt.PyJWTError:
        return None
    return claims if claims.get("typ") == "access" else None


# --------------------------------------------------------------------- policy


@implementer(ISecurityPolicy)
class SecurityPolicy:
    """One policy for pages and API.

    * ``Authorization: Bearer lhk_...`` — an API key (scoped; see accounts.apikeys);
    * ``Authorization: Bearer <JWT>`` — an access token of this tenant whose user is
      active, whose ``stamp`` matches and whose session (``sid``) is live;
    * cookie ``lh_session`` (pages only, never ``/api/``) — a live server-side page
      session.
    """

    cookie_name = "lh_session"

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings

    # identity
    def identity(self, request) -> User | None:
        """The signed-in user, computed once per request (Pyramid does not cache it)."""
        cache = request.__dict__
        if "_lh_identity" not in cache:
            user = cache["_lh_identity"] = self._identity(request)
            if user is not None:
                from .observability import bind_log_context

                bind_log_context(user=str(user.id))
        return cache["_lh_identity"]

    def _identity(self, request) -> User | None:
        tenant = request.tenant
        if tenant is None:
            return None
        auth = request.headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
            if token.startswith("lhk_"):
                from .accounts.apikeys import authenticate_api_key

                return authenticate_api_key(request, token)
            return self._from_jwt(request, tenant, token)
        if request.path.startswith("/api/"):
            return None  # the API accepts bearer tokens only: no ambient credentials
        return self._from_cookie(request)

    def _from_jwt(self, request, tenant, token: str) -> User | None:
        claims = decode_access_token(self.settings, token)
        if not claims or claims["tid"] != str(tenant.id):
            return None
        try:
            uid = uuid.UUID(claims["sub"])
            sid = uuid.UUID(claims["sid"]) if claims.get("sid") else None
        except ValueError:
            return None
        user = request.db.get(User, uid)
        if user is None or not user.is_active or user.security_stamp != claims.get("stamp"):
            return None
        if sid is not None:
            from .accounts.models import UserSession
            from .accounts.sessions import is_live

            session = request.db.get(UserSession, sid)
            if not is_live(session) or session.user_id != user.id:
                return None
            request.__dict__["_lh_session"] = session
        return user

    def _from_cookie(self, request) -> User | None:
        from .accounts.sessions import find_page_session_user, touch

        token = request.cookies.get(self.cookie_name, "")
        if not token:
            return None  # no cookie: no database session is opened for anonymous requests
        found = find_page_session_user(request.db, token)
        if found is None:
            return None
        session, user = found
        if not user.is_active:
            return None
        touch(session, request=request)
        request.__dict__["_lh_session"] = session
        return user

    def authenticated_userid(self, request) -> str | None:
        user = request.identity
        return str(user.id) if user else None

    def permits(self, request, context, permission):
        user = request.identity
        if user is None:
            return Denied("not signed in")
        key = request.__dict__.get("_lh_api_key")
        if key is not None:
            from .accounts.apikeys import key_allows

            if not key_allows(key, request.method, str(permission)):
                return Denied(f"the API key's scopes do not include {permission}")
        perms = effective_permissions(request, context)
        if str(permission) in perms:
            return Allowed(f"granted {permission}")
        return Denied(f"{permission} not granted")

    def remember(self, request, userid, **kw):
        """Set the page session cookie; ``kw["token"]`` is the new session's token."""
        token = kw["token"]
        return [("Set-Cookie", self._cookie(token, self.settings["auth.session_max_age"]))]

    def forget(self, request, **kw):
        return [("Set-Cookie", self._cookie("", 0))]

    def _cookie(self, value: str, max_age: int) -> str:
        from webob.cookies import make_cookie

        cookie = make_cookie(
            self.cookie_name,
            value,
            max_age=max_age,
            path="/",
            secure=self.settings["auth.cookie_secure"],
            httponly=True,
            samesite="Lax",
        )
        return cookie.decode() if isinstance(cookie, bytes) else cookie


def role_rows(request) -> list[tuple[str, str | None, str | None]]:
    """Every role grant of the request's user as ``(role, resource_type,
    resource_id)`` rows (tenant-wide grants have no resource), read once per request.
    Plugins with resource roles (courses) derive theirs from these rows instead of
    querying again."""
    user = request.identity
    if user is None:
        return []
    cache = request.__dict__.get("_lh_role_rows")
    if cache is None:
        from . import pagecache

        def load() -> tuple[tuple[str, str | None, str | None], ...]:
            return tuple(
                (row[0], row[1], row[2])
                for row in request.db.execute(
                    sa.select(RoleGrant.role, RoleGrant.resource_type, RoleGrant.resource_id).where(
                        RoleGrant.user_id == user.id
                    )
                )
            )

        # kept until a role grant of the tenant changes (pagecache generations); a
        # request that granted or revoked a role reads its own writes
        cache = list(pagecache.memo(request, f"identity:role-rows:{user.id}", load))
        request.__dict__["_lh_role_rows"] = cache
    return cache


def forget_role_rows(request) -> None:
    """Drop the per-request role rows after granting or revoking a role."""
    request.__dict__.pop("_lh_role_rows", None)


def user_roles(request, context=None) -> set[str]:
    if request.identity is None:
        return set()
    cache = role_rows(request)
    resource = getattr(context, "__lh_resource__", None)
    roles = set()
    for role, rtype, rid in cache:
        if not rtype or (resource and (rtype, rid) == (resource[0], str(resource[1]))):
            roles.add(role)
    return roles


def effective_permissions(request, context=None) -> set[str]:
    grants = request.__dict__.get("_lh_grants")
    if grants is None:
        grants = request.__dict__["_lh_grants"] = role_grants(request.registry, request.tenant)
    perms: set[str] = set()
    for role in user_roles(request, context):
        perms |= grants.get(role, set())
    return perms


def includeme(config) -> None:
    from .accounts import models  # noqa: F401  (register the account tables)

    settings = config.get_settings()
    config.set_security_policy(SecurityPolicy(settings))
    config.registry["passwords"] = PasswordService(make_password_hasher(settings))


__all__ = ["User", "RoleGrant", "KERNEL_ROLES", "create_user", "grant_role", "SecurityPolicy"]
