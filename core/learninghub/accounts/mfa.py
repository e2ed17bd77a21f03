"""Multi-factor authentication: TOTP (RFC 6238) and single-use backup codes.

Enrolment: ``POST /api/v1/me/mfa/totp`` returns a new secret, its ``otpauth://`` URI and
the QR code as SVG; ``POST /api/v1/me/mfa/totp/confirm`` with a first code switches it
on and returns 10 backup codes (shown once, stored hashed). ``GET /api/v1/me/mfa`` tells
the state; ``POST /api/v1/me/mfa/backup-codes`` (password) regenerates the codes;
``POST /api/v1/me/mfa/disable`` (password and a code) switches MFA off.

Sign-in: when the account has MFA, a correct password does not sign in. The token
endpoint answers 401 with ``"mfa_required": true`` and an ``mfa_token`` (a signed,
5-minute challenge bound to the user and tenant); ``POST /api/v1/auth/token/mfa`` with
that token and a TOTP code (±1 step, never the same step twice) or a backup code
(single use) returns the token pair. The sign-in page shows the same second step.
"""

from __future__ import annotations

import io
import secrets
import time
from datetime import UTC, datetime, timedelta

import jwt
import pyotp
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ..api import ProblemError, api_view, problem_response
from ..auth_api import TokenResponse
from ..db import utcnow
from ..identity import JWT_ALGORITHM, User
from .apikeys import require_session
from .models import MfaBackupCode, MfaTotp, token_hash

CHALLENGE_TTL = 300
BACKUP_CODES = 10
TOTP_WINDOW = 1  # steps of 30 s either side (clock drift)


# --------------------------------------------------------------------- factors


def totp_of(db, user: User) -> MfaTotp | None:
    return db.scalar(sa.select(MfaTotp).where(MfaTotp.user_id == user.id))


def has_mfa(db, user: User) -> bool:
    factor = totp_of(db, user)
    return factor is not None and factor.confirmed_at is not None


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def check_totp(factor: MfaTotp, code: str, now: float | None = None) -> bool:
    """Accept a 6-digit code within ±TOTP_WINDOW steps, each step at most once."""
    code = _normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return False
    now = time.time() if now is None else now
    totp = pyotp.TOTP(factor.secret)
    current = int(now // totp.interval)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if step <= factor.last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            factor.last_step = step
            return True
    return False


def check_backup_code(db, user: User, code: str) -> bool:
    digest = token_hash(_normalise_code(code))
    row = db.scalar(
        sa.select(MfaBackupCode).where(
            MfaBackupCode.user_id == user.id,
            MfaBackupCode.code_hash == digest,
            MfaBackupCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def verify_second_factor(db, user: User, code: str, secret_key: str | None = None) -> bool:
    """TOTP, a backup code or (with ``secret_key``) an emailed code."""
    factor = totp_of(db, user)
    if factor is None or factor.confirmed_at is None:
        return False
    if check_totp(factor, code) or check_backup_code(db, user, code):
        return True
    return secret_key is not None and check_email_code(db, user, code, secret_key)


# --------------------------------------------------------------------- email fallback

EMAIL_CODE_TTL = 600
EMAIL_PURPOSE = "mfa_email"


def _email_code_hash(secret_key: str, user: User, code: str) -> str:
    import hashlib
    import hmac

    message = f"{user.id}:{_normalise_code(code)}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def send_email_code(request, user: User) -> None:
    """Mail a 6-digit code (10 minutes, single use; earlier unused codes are dropped)."""
    from email.message import EmailMessage

    from ..interfaces import IMailer
    from .models import OneTimeToken

    code = f"{secrets.randbelow(10**6):06d}"
    db = request.db
    db.execute(
        sa.delete(OneTimeToken).where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == EMAIL_PURPOSE,
            OneTimeToken.used_at.is_(None),
        )
    )
    now = utcnow()
    db.add(
        OneTimeToken(
            purpose=EMAIL_PURPOSE,
            user_id=user.id,
            email=user.email,
            token_hash=_email_code_hash(request.registry.settings["secret.key"], user, code),
            created_at=now,
            expires_at=now + timedelta(seconds=EMAIL_CODE_TTL),
        )
    )
    msg = EmailMessage()
    msg["To"] = user.email
    msg["Subject"] = f"Your sign-in code for {request.tenant.name}"
    msg.set_content(
        f"Your sign-in code is {code}. It works once, for 10 minutes.\n\n"
        "If you did not try to sign in, change your password: someone knows it."
    )
    request.find_service(IMailer).send(msg, getattr(request, "tm", None))
    request.emit("accounts.mfa.email_code_sent", resource_type="user", resource_id=user.id)


def check_email_code(db, user: User, code: str, secret_key: str) -> bool:
    from .models import OneTimeToken

    if len(_normalise_code(code)) != 6:
        return False
    row = db.scalar(
        sa.select(OneTimeToken).where(
            OneTimeToken.purpose == EMAIL_PURPOSE,
            OneTimeToken.user_id == user.id,
            OneTimeToken.token_hash == _email_code_hash(secret_key, user, code),
            OneTimeToken.used_at.is_(None),
        )
    )
    if row is None or row.expires_at <= utcnow():
        return False
    row.used_at = utcnow()
    return True


def new_backup_codes(db, user: User) -> list[str]:
    db.execute(sa.delete(MfaBackupCode).where(MfaBackupCode.user_id == user.id))
    codes = []
    for _ in range(BACKUP_CODES):
        raw = secrets.token_hex(5)  # 10 hex characters, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(MfaBackupCode(user_id=user.id, code_hash=token_hash(raw)))
    db.flush()
    return codes


# --------------------------------------------------------------------- challenge


def issue_user_token(request, user: User, typ: str, ttl: int) -> str:
    """A short signed token naming ``user`` for one purpose (``typ``), bound to the
    tenant and to the user's security stamp (a password change or suspension voids it)."""
    now = datetime.now(UTC)
    claims = {
        "typ": typ,
        "sub": str(user.id),
        "tid": str(request.tenant.id),
        "stamp": user.security_stamp,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, request.registry.settings["secret.key"], algorithm=JWT_ALGORITHM)


def user_of_token(request, token: str, typ: str) -> User | None:
    """The active user a token of :func:`issue_user_token` names, or None."""
    import uuid

    try:
        claims = jwt.decode(
            token,
            request.registry.settings["secret.key"],
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "sub", "tid", "typ"]},
        )
        uid = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
    if claims["typ"] != typ or claims["tid"] != str(request.tenant.id):
        return None
    user = request.db.get(User, uid)
    if user is None or not user.is_active or user.security_stamp != claims.get("stamp"):
        return None
    return user


def issue_challenge(request, user: User) -> str:
    return issue_user_token(request, user, "mfa_challenge", CHALLENGE_TTL)


def user_of_challenge(request, token: str) -> User | None:
    return user_of_token(request, token, "mfa_challenge")


def mfa_required_response(request, user: User):
    return problem_response(
        request,
        401,
        "Second factor required",
        "send a TOTP or backup code with this mfa_token to POST /api/v1/auth/token/mfa",
        extra={"mfa_required": True, "mfa_token": issue_challenge(request, user)},
    )


# --------------------------------------------------------------------- API


class MfaState(BaseModel):
    enabled: bool
    backup_codes_left: int


class TotpEnrolment(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class CodeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=6, max_length=20)


class BackupCodes(BaseModel):
    backup_codes: list[str]


class PasswordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=1024)


class DisableBody(PasswordBody):
    code: str = Field(min_length=6, max_length=20)


class MfaTokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str = Field(min_length=10, max_length=2000)
    code: str = Field(min_length=6, max_length=20)


def _state(request) -> MfaState:
    user = request.identity
    left = request.db.scalar(
        sa.select(sa.func.count())
        .select_from(MfaBackupCode)
        .where(MfaBackupCode.user_id == user.id, MfaBackupCode.used_at.is_(None))
    )
    return MfaState(enabled=has_mfa(request.db, user), backup_codes_left=left or 0)


def _check_password(request, password: str) -> None:
    if not request.registry["passwords"].verify(request.identity, password):
        raise ProblemError(
            403,
            "Forbidden",
            "the password is wrong",
            errors=[
                {"path": ["body", "password"], "message": "wrong password", "type": "value_error"}
            ],
        )


@api_view(
    "api.me.mfa",
    "/api/v1/me/mfa",
    "GET",
    response=MfaState,
    authenticated=True,
    summary="My second-factor state",
)
def mfa_state(request):
    require_session(request)
    return _state(request)


@api_view(
    "api.me.mfa.totp",
    "/api/v1/me/mfa/totp",
    "POST",
    response=TotpEnrolment,
    status=201,
    authenticated=True,
    summary="Start TOTP enrolment (secret, otpauth URI, QR code)",
)
def start_totp(request):
    require_session(request)
    return start_enrolment(request, request.identity)


def start_enrolment(request, user: User) -> TotpEnrolment:
    """A new (unconfirmed) TOTP secret for ``user``, with its URI and QR code."""
    import qrcode
    import qrcode.image.svg

    if has_mfa(request.db, user):
        raise ProblemError(409, "Conflict", "MFA is already on; disable it first")
    factor = totp_of(request.db, user)
    if factor is None:
        factor = MfaTotp(user_id=user.id, secret=pyotp.random_base32())
        request.db.add(factor)
    else:
        factor.secret = pyotp.random_base32()
        factor.last_step = 0
    uri = pyotp.TOTP(factor.secret).provisioning_uri(
        name=user.email, issuer_name=request.tenant.name
    )
    buf = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).save(buf)
    return TotpEnrolment(secret=factor.secret, otpauth_uri=uri, qr_svg=buf.getvalue().decode())


@api_view(
    "api.me.mfa.totp.confirm",
    "/api/v1/me/mfa/totp/confirm",
    "POST",
    body=CodeBody,
    response=BackupCodes,
    authenticated=True,
    summary="Confirm TOTP with a first code; returns 10 backup codes (shown once)",
)
def confirm_totp(request, body: CodeBody):
    require_session(request)
    return BackupCodes(backup_codes=confirm_enrolment(request, request.identity, body.code))


def confirm_enrolment(request, user: User, code: str) -> list[str]:
    """Switch TOTP on with a first code; return the new backup codes."""
    factor = totp_of(request.db, user)
    if factor is None or factor.confirmed_at is not None:
        raise ProblemError(409, "Conflict", "no TOTP enrolment in progress")
    if not check_totp(factor, code):
        raise ProblemError(
            422,
            "Validation failed",
            "the code is wrong or expired",
            errors=[{"path": ["body", "code"], "message": "wrong code", "type": "value_error"}],
        )
    factor.confirmed_at = utcnow()
    codes = new_backup_codes(request.db, user)
    request.emit("accounts.mfa.enabled", resource_type="user", resource_id=user.id)
    return codes


@api_view(
    "api.me.mfa.backup",
    "/api/v1/me/mfa/backup-codes",
    "POST",
    body=PasswordBody,
    response=BackupCodes,
    authenticated=True,
    summary="Regenerate backup codes (the old ones stop working)",
)
def regenerate_codes(request, body: PasswordBody):
    require_session(request)
    _check_password(request, body.password)
    if not has_mfa(request.db, request.identity):
        raise ProblemError(409, "Conflict", "MFA is off")
    codes = new_backup_codes(request.db, request.identity)
    request.emit(
        "accounts.mfa.backup_codes_regenerated",
        resource_type="user",
        resource_id=request.identity.id,
    )
    return BackupCodes(backup_codes=codes)


@api_view(
    "api.me.mfa.disable",
    "/api/v1/me/mfa/disable",
    "POST",
    body=DisableBody,
    response=MfaState,
    authenticated=True,
    summary="Switch MFA off (password and a current code required)",
)
def disable_mfa(request, body: DisableBody):
    require_session(request)
    user = request.identity
    _check_password(request, body.password)
    if not verify_second_factor(request.db, user, body.code):
        raise ProblemError(403, "Forbidden", "the code is wrong")
    remove_factors(request, user)
    return _state(request)


def remove_factors(request, user: User) -> None:
    """Switch MFA off for ``user`` (callers checked password and code)."""
    request.db.execute(sa.delete(MfaBackupCode).where(MfaBackupCode.user_id == user.id))
    request.db.execute(sa.delete(MfaTotp).where(MfaTotp.user_id == user.id))
    request.emit("accounts.mfa.disabled", resource_type="user", resource_id=user.id)


@api_view(
    "api.auth.token.mfa",
    "/api/v1/auth/token/mfa",
    "POST",
    body=MfaTokenBody,
    response=TokenResponse,
    summary="Second sign-in step: the mfa_token and a TOTP or backup code",
)
def token_second_step(request, body: MfaTokenBody):
    from .tokens import issue_pair

    user = user_of_challenge(request, body.mfa_token)
    guard_factory = request.registry.get("ratelimit.login_guard")
    guard = guard_factory(request) if guard_factory is not None and user is not None else None
    if guard is not None:
        guard.check(user.email)
    secret_key = request.registry.settings["secret.key"]
    if user is None or not verify_second_factor(request.db, user, body.code, secret_key):
        if guard is not None:
            guard.failure(user.email, user)
        request.emit(
            "accounts.mfa.failed", resource_type="user", resource_id=user.id if user else ""
        )
        return problem_response(request, 401, "Invalid code", "the challenge or the code is wrong")
    if guard is not None:
        guard.success(user.email)
    return TokenResponse(**issue_pair(request, user))


class MfaTokenOnly(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str = Field(min_length=10, max_length=2000)


@api_view(
    "api.auth.token.mfa.email",
    "/api/v1/auth/token/mfa/email",
    "POST",
    body=MfaTokenOnly,
    status=202,
    summary="Fallback factor: email a one-time code for this sign-in challenge",
)
def email_code(request, body: MfaTokenOnly):
    user = user_of_challenge(request, body.mfa_token)
    if user is None:
        return problem_response(request, 401, "Invalid challenge", "sign in again")
    send_email_code(request, user)
    return {"status": "code_sent"}


def includeme(config) -> None:
    config.scan(__name__)
    if hasattr(config, "add_strict_rate_limit"):
        config.add_strict_rate_limit("api.auth.token.mfa")
        config.add_strict_rate_limit("api.auth.token.mfa.email")
