"""Secrets at rest: sealed tokens, key rotation and the :class:`Secret` setting type.

Values that must never be stored or shown in clear (payment keys, SMTP passwords,
webhook secrets) are *sealed* into opaque tokens before they reach the database and
*opened* only where they are used::

    from learninghub.secrets import secret_box

    box = secret_box(request.registry)
    token = box.seal("sk_live_...")     # 'lhsec1:f:<key id>:<Fernet token>'
    box.open(token)                     # 'sk_live_...'

Back ends (setting ``secrets.backend``), all behind :class:`SecretBox`:

``fernet`` (default)
    Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with keys derived by
    HKDF-SHA256 from the entries of ``secrets.keys`` (``LEARNINGHUB_SECRETS_KEYS``),
    newest first: new values are sealed with the first key, a token names the key
    that sealed it (the first 8 hex digits of a hash of the derived key), and any
    listed key opens its tokens. Rotation: prepend a new key, run
    ``learninghub config rotate-secrets`` (re-seals every stored token with the new
    key), then remove the old key. With ``secrets.keys`` empty, development and test
    use :data:`DEVELOPMENT_KEY`; production refuses that key and cannot seal or open
    anything until keys are set.
``vault``
    HashiCorp Vault's transit engine through ``hvac`` (``pip install hvac``):
    ``secrets.vault_url``, ``secrets.vault_token``, ``secrets.vault_transit_mount``
    and ``secrets.vault_transit_key``. Vault holds the keys; rotation is Vault's
    ``rotate`` followed by ``learninghub config rotate-secrets`` (rewrap). Fernet
    tokens stay readable while ``secrets.keys`` still lists their key, so a
    deployment can move from Fernet to Vault with one rotation. **Untested against a
    real Vault server.**

Plugin settings mark secret fields with the :class:`Secret` type::

    class PaymentsSettings(BaseModel):
        api_key: Secret = Secret()

Stored per-tenant settings hold the sealed token (``TenantPlugins.enable`` and the
config plugin seal on the way in); ``request.plugin_settings("payments").api_key``
is a :class:`Secret` whose ``repr``/``str`` never show the value, and
``.reveal(request)`` opens it at the point of use. Instance-wide defaults from the
ini or the environment (``LEARNINGHUB_PLUGIN_PAYMENTS__API_KEY``) are kept in memory
in clear and never stored.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from .errors import ConfigurationError, LearningHubError

log = logging.getLogger("learninghub.secrets")

#: Every sealed value starts with this (and the back end's tag).
TOKEN_PREFIX = "lhsec1:"
#: Used when ``secrets.keys`` is empty outside production. Never use it for real data.
DEVELOPMENT_KEY = "dev-only-secrets-key-not-for-production-0123456789"
MASK = "**********"
_HKDF_INFO = b"learninghub secrets v1"


class SecretError(LearningHubError):
    """A token cannot be opened (unknown key, tampered or truncated), or no key is
    configured to seal with."""


def is_token(value: Any) -> bool:
    """True for a sealed value (a string starting with :data:`TOKEN_PREFIX`)."""
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


# ----------------------------------------------------------------- back ends


class FernetBackend:
    """Fernet with keys derived from ``secrets.keys`` (newest first)."""

    tag = "f"

    def __init__(self, keys: list[str]) -> None:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        if not keys:
            raise SecretError(
                "no key to seal secrets with: set secrets.keys (LEARNINGHUB_SECRETS_KEYS)"
            )
        self._fernets: dict[str, Any] = {}
        self._primary = ""
        for entry in keys:
            derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
                entry.encode()
            )
            kid = hashlib.sha256(derived).hexdigest()[:8]
            self._fernets.setdefault(kid, Fernet(base64.urlsafe_b64encode(derived)))
            self._primary = self._primary or kid

    @property
    def key_ids(self) -> list[str]:
        """Ids of the configured keys, newest first."""
        return list(self._fernets)

    def seal(self, plain: str) -> str:
        token = self._fernets[self._primary].encrypt(plain.encode()).decode("ascii")
        return f"{self._primary}:{token}"

    def open(self, body: str) -> str:
        from cryptography.fernet import InvalidToken

        kid, _, token = body.partition(":")
        fernet = self._fernets.get(kid)
        if fernet is None:
            raise SecretError(f"secret sealed with key {kid!r}, which secrets.keys no longer lists")
        try:
            return fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError, UnicodeError):
            raise SecretError("secret token is invalid or was tampered with") from None

    def is_current(self, body: str) -> bool:
        return body.partition(":")[0] == self._primary


class VaultTransitBackend:
    """HashiCorp Vault transit engine (``hvac``). Untested against a real server."""

    tag = "v"

    def __init__(self, url: str, token: str, mount: str, key: str, client: Any = None) -> None:
        if client is None:
            try:
                import hvac
            except ImportError:
                raise ConfigurationError(
                    "secrets.backend", "vault needs the hvac package (pip install hvac)"
                ) from None
            client = hvac.Client(url=url, token=token or None)
        self._client = client
        self._mount = mount
        self._key = key

    def _transit(self):
        return self._client.secrets.transit

    def seal(self, plain: str) -> str:
        encoded = base64.b64encode(plain.encode()).decode("ascii")
        reply = self._transit().encrypt_data(
            name=self._key, plaintext=encoded, mount_point=self._mount
        )
        return f"{self._key}:{reply['data']['ciphertext']}"

    def open(self, body: str) -> str:
        key, _, ciphertext = body.partition(":")
        try:
            reply = self._transit().decrypt_data(
                name=key, ciphertext=ciphertext, mount_point=self._mount
            )
        except Exception as exc:
            raise SecretError(f"Vault could not decrypt the secret: {type(exc).__name__}") from None
        return base64.b64decode(reply["data"]["plaintext"]).decode()

    def _latest_version(self) -> int:
        reply = self._transit().read_key(name=self._key, mount_point=self._mount)
        return int(reply["data"]["latest_version"])

    def is_current(self, body: str) -> bool:
        key, _, ciphertext = body.partition(":")
        # ciphertext looks like vault:v<N>:...
        version = ciphertext.split(":")[1] if ciphertext.count(":") >= 2 else ""
        return key == self._key and version == f"v{self._latest_version()}"


class SecretBox:
    """Seal with the configured back end; open tokens of every back end still
    configured (Fernet tokens stay readable after a move to Vault while their keys
    are listed)."""

    def __init__(self, primary: Any, others: list[Any] | None = None) -> None:
        self.primary = primary
        self._backends = {primary.tag: primary}
        for backend in others or []:
            self._backends.setdefault(backend.tag, backend)

    def seal(self, plain: str) -> str:
        """Return the token of ``plain``."""
        if not isinstance(plain, str):
            raise TypeError("only strings are sealed")
        return f"{TOKEN_PREFIX}{self.primary.tag}:{self.primary.seal(plain)}"

    def _split(self, token: str) -> tuple[Any, str]:
        if not is_token(token):
            raise SecretError("not a sealed secret")
        tag, _, body = token[len(TOKEN_PREFIX) :].partition(":")
        backend = self._backends.get(tag)
        if backend is None:
            raise SecretError(f"secret sealed by back end {tag!r}, which is not configured")
        return backend, body

    def open(self, token: str) -> str:
        """Return the plain value of ``token`` (:class:`SecretError` if it cannot)."""
        backend, body = self._split(token)
        return backend.open(body)

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` was not sealed by the newest key of the configured back end."""
        backend, body = self._split(token)
        return backend is not self.primary or not backend.is_current(body)

    def rotate(self, token: str) -> str:
        """``token`` re-sealed with the newest key (the same token when it already is)."""
        if not self.needs_rotation(token):
            return token
        return self.seal(self.open(token))


def build_box(settings: dict[str, Any]) -> SecretBox:
    """The box configured by ``secrets.*`` settings."""
    keys = list(settings.get("secrets.keys") or [])
    if not keys and settings.get("environment") != "production":
        keys = [DEVELOPMENT_KEY]
    fernet: FernetBackend | None = FernetBackend(keys) if keys else None
    if settings.get("secrets.backend") == "vault":
        vault = VaultTransitBackend(
            settings.get("secrets.vault_url", ""),
            settings.get("secrets.vault_token", ""),
            settings.get("secrets.vault_transit_mount", "transit"),
            settings.get("secrets.vault_transit_key", "learninghub"),
        )
        return SecretBox(vault, [fernet] if fernet else [])
    if fernet is None:
        return SecretBox(_Unconfigured())
    return SecretBox(fernet)


class _Unconfigured:
    """Production without ``secrets.keys``: starts, but refuses to seal or open."""

    tag = "f"

    def _refuse(self, *args: Any) -> Any:
        raise SecretError(
            "no key to seal or open secrets with: set secrets.keys (LEARNINGHUB_SECRETS_KEYS)"
        )

    seal = open = is_current = _refuse


def secret_box(registry: Any) -> SecretBox:
    """The process's :class:`SecretBox`, built on first use from the registry's settings
    and kept in ``registry["secrets.box"]`` (tests may put another one there)."""
    box = registry.get("secrets.box") if hasattr(registry, "get") else None
    if box is None:
        box = build_box(registry.settings)
        registry["secrets.box"] = box
    return box


# ----------------------------------------------------------------- the setting type


class Secret:
    """A secret value in plugin settings: a sealed token (as stored) or, just after a
    form or the API submitted it, the plain value (sealed before it is stored).

    ``repr``/``str`` never show the value; JSON serialisation gives the stored form
    (the token). Use ``reveal(request_or_registry)`` where the value is needed."""

    __slots__ = ("_raw",)

    def __init__(self, value: str = "") -> None:
        if isinstance(value, Secret):
            value = value._raw
        if not isinstance(value, str):
            raise TypeError("a secret is a string")
        self._raw = value

    @property
    def is_set(self) -> bool:
        return bool(self._raw)

    @property
    def is_sealed(self) -> bool:
        return is_token(self._raw)

    @property
    def stored(self) -> str:
        """The raw stored form: the token, or the plain value before sealing."""
        return self._raw

    def reveal(self, request_or_registry: Any) -> str:
        """The plain value ('' when unset)."""
        if not self.is_sealed:
            return self._raw
        registry = getattr(request_or_registry, "registry", request_or_registry)
        return secret_box(registry).open(self._raw)

    def __repr__(self) -> str:
        return f"Secret({MASK!r})" if self._raw else "Secret('')"

    def __str__(self) -> str:
        return MASK if self._raw else ""

    def __bool__(self) -> bool:
        return self.is_set

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_str = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        return core_schema.json_or_python_schema(
            json_schema=from_str,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_str]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda v: v._raw, when_used="json"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "format": "password", "writeOnly": True}


def secret_fields(model: Any) -> list[str]:
    """Names of the fields of a pydantic model class typed :class:`Secret`."""
    import typing

    names = []
    for name, field in getattr(model, "model_fields", {}).items():
        annotation = field.annotation
        candidates = {annotation, *typing.get_args(annotation)}
        if Secret in candidates:
            names.append(name)
    return names


def seal_settings(registry: Any, model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (JSON settings of ``model``) with every plain secret field sealed."""
    fields = secret_fields(model)
    if not fields:
        return values
    sealed = dict(values)
    for name in fields:
        value = sealed.get(name)
        if isinstance(value, str) and value and not is_token(value):
            sealed[name] = secret_box(registry).seal(value)
    return sealed


def redact(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every secret field replaced by a mask ('' stays '')."""
    fields = set(secret_fields(model))
    return {k: (MASK if k in fields and v else v) for k, v in values.items()}


__all__ = [
    "DEVELOPMENT_KEY",
    "MASK",
    "Secret",
    "SecretBox",
    "SecretError",
    "TOKEN_PREFIX",
    "build_box",
    "is_token",
    "redact",
    "seal_settings",
    "secret_box",
    "secret_fields",
]
