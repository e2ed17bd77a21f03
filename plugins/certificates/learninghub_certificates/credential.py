"""Open Badges 3.0 credentials secured with an ``eddsa-jcs-2022`` Data Integrity proof.

Pure functions (no database): :func:`build_credential` makes the unsigned document,
:func:`sign_credential` adds the proof, :func:`verify_credential` checks one.

The proof follows W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3
(eddsa-jcs-2022):

1. ``proofConfig`` = the proof options (``type``, ``cryptosuite``, ``created``,
   ``verificationMethod``, ``proofPurpose``) plus the document's ``@context``;
2. ``proofConfigHash`` = SHA-256(JCS(proofConfig)) — JCS is RFC 8785;
3. ``documentHash`` = SHA-256(JCS(document without ``proof``));
4. signature = Ed25519(private key, proofConfigHash || documentHash);
5. ``proofValue`` = ``"z"`` + base58btc(signature) (multibase).

The published proof is ``proofConfig`` with ``proofValue`` added.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-jcs-2022"
#: multicodec prefix of an Ed25519 public key (varint 0xed 0x01)
ED25519_MULTICODEC = b"\xed\x01"


def iso(moment: datetime) -> str:
    """``2026-05-01T12:00:00Z`` (UTC, whole seconds): the XML Schema dateTimeStamp
    form VC 2.0 asks for."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def did_web(host: str) -> str:
    """``did:web:`` of a host; a port's colon is percent-encoded (did:web spec)."""
    return "did:web:" + host.lower().replace(":", "%3A")


def multibase_key(public_key: bytes) -> str:
    """``publicKeyMultibase`` of a raw Ed25519 public key: 'z' + base58btc(0xed01 + key)."""
    return "z" + base58.b58encode(ED25519_MULTICODEC + public_key).decode("ascii")


def key_from_multibase(value: str) -> bytes:
    """The raw public key of a ``publicKeyMultibase`` value (ValueError if it is not
    an Ed25519 Multikey)."""
    if not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    raw = base58.b58decode(value[1:])
    if raw[:2] != ED25519_MULTICODEC or len(raw) != 34:
        raise ValueError("not an Ed25519 public key")
    return raw[2:]


def build_credential(
    *,
    credential_id: str,
    issuer_did: str,
    issuer_name: str,
    issuer_url: str,
    learner_name: str,
    course_id: str,
    course_title: str,
    course_url: str,
    criteria: str,
    valid_from: datetime,
    status_url: str,
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential``. The learner is named through an
    ``IdentityObject`` (type ``name``, not hashed): the only personal data it holds."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": course_title,
        "issuer": {
            "id": issuer_did,
            "type": ["Profile"],
            "name": issuer_name,
            "url": issuer_url,
        },
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": learner_name,
                }
            ],
            "achievement": {
                "id": f"urn:uuid:{course_id}",
                "type": ["Achievement"],
                "name": course_title,
                "description": course_title,
                "criteria": {"narrative": criteria, "id": course_url},
                "achievementType": "Certificate",
            },
        },
        "credentialStatus": {"id": status_url, "type": "LearningHubCertificateStatus"},
    }


def _hash(value: Any) -> bytes:
    return hashlib.sha256(rfc8785.dumps(value)).digest()


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return _hash(proof_config) + _hash(document)


def sign_credential(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """``document`` with an ``eddsa-jcs-2022`` proof (a new dict; ``document`` is
    not changed)."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": iso(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = private_key.sign(_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    secured = copy.deepcopy(unsecured)
    secured["proof"] = proof
    return secured


def verify_credential(credential: dict[str, Any], public_key: Ed25519PublicKey | bytes) -> bool:
    """True when ``credential`` carries a valid ``eddsa-jcs-2022`` proof made with
    ``public_key`` (an ``Ed25519PublicKey`` or its 32 raw bytes); False for any
    change of the document or the proof, a malformed proof or another key."""
    if isinstance(public_key, bytes | bytearray):
        try:
            public_key = Ed25519PublicKey.from_public_bytes(bytes(public_key))
        except ValueError:
            return False
    if not isinstance(credential, dict) or not isinstance(credential.get("proof"), dict):
        return False
    proof = copy.deepcopy(credential["proof"])
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    proof_value = proof.pop("proofValue", None)
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    unsecured = {k: copy.deepcopy(v) for k, v in credential.items() if k != "proof"}
    if "@context" in proof:
        # the document's contexts must start with the proof's, in order
        context = unsecured.get("@context")
        if not isinstance(context, list) or not isinstance(proof["@context"], list):
            return False
        if context[: len(proof["@context"])] != proof["@context"]:
            return False
        unsecured["@context"] = proof["@context"]
    try:
        signature = base58.b58decode(proof_value[1:])
        public_key.verify(signature, _hash_data(unsecured, proof))
    except (InvalidSignature, ValueError, rfc8785.CanonicalizationError):
        return False
    return True
