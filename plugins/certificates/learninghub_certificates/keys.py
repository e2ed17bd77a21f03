"""The tenants' Ed25519 signing keys and their publication.

Each tenant gets one active key, created on first use. The private key is sealed with
the kernel's secrets facility (``learninghub.secrets.secret_box``: Fernet with the
instance's ``secrets.keys``, or Vault) before it is stored and opened only to sign.
Public keys are published as a DID document (``/.well-known/did.json``, Multikey
``publicKeyMultibase``) and as a JWK set (``/certificates/keys.json``).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.exc import IntegrityError

from learninghub.secrets import secret_box

from .credential import did_web, multibase_key
from .models import SigningKey

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def active_key(request) -> SigningKey | None:
    return request.db.scalar(sa.select(SigningKey).where(SigningKey.active.is_(True)))


def ensure_key(request) -> SigningKey:
    """The tenant's active key, created (and sealed) when there is none. Two
    concurrent first uses cannot both create one: the partial unique index refuses
    the second, which then reads the winner's."""
    key = active_key(request)
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = _raw_public(private.public_key())
    row = SigningKey(
        key_id="key-" + hashlib.sha256(public).hexdigest()[:16],
        public_key=b64url(public),
        private_key=secret_box(request.registry).seal(b64url(raw_private)),
        active=True,
    )
    try:
        with request.db.begin_nested():
            request.db.add(row)
    except IntegrityError:
        key = active_key(request)
        if key is None:
            raise
        return key
    return row


def private_key(request, key: SigningKey) -> Ed25519PrivateKey:
    raw = unb64url(secret_box(request.registry).open(key.private_key))
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key(key: SigningKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64url(key.public_key))


def published_keys(request) -> list[SigningKey]:
    """Every key of the tenant, active first, then newest first (retired keys stay
    published: credentials signed with them must keep verifying)."""
    return list(
        request.db.scalars(
            sa.select(SigningKey).order_by(
                SigningKey.active.desc(), SigningKey.created_at.desc(), SigningKey.key_id
            )
        )
    )


def did_document(host: str, keys: list[SigningKey]) -> dict[str, Any]:
    """The ``did:web`` document of ``host`` listing ``keys`` as Multikeys."""
    did = did_web(host)
    methods = [
        {
            "id": f"{did}#{k.key_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multibase_key(unb64url(k.public_key)),
        }
        for k in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def jwks(keys: list[SigningKey]) -> dict[str, Any]:
    """The keys as a JWK set (RFC 8037: ``kty`` OKP, ``crv`` Ed25519)."""
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": k.public_key,
                "kid": k.key_id,
                "use": "sig",
                "alg": "EdDSA",
                "status": "active" if k.active else "retired",
            }
            for k in keys
        ]
    }
