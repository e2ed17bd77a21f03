"""The PDF (text, QR code) and the credential: verified through an independent path
(``rfc8785`` + ``cryptography`` re-implemented here, the key read from the served
``did.json``), and refused after any change."""

from __future__ import annotations

import copy
import hashlib
import json

import base58
import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from learninghub_certificates.credential import verify_credential


@pytest.fixture
def issued(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of, db
):
    from learninghub.identity import User

    learner = user_factory(tenant)
    row = db.get(User, learner.id)
    row.display_name = "Zoë Müller-Ødegård"
    db.flush()
    course = make_course(tenant, title="Éléments de cryptographie")
    enrol_completed(tenant, course, learner)
    criteria.grade(course, learner, "87.5")
    issue_now(tenant, course, learner, base_url=f"http://{tenant.host}")
    (cert,) = certificates_of(tenant, learner)
    return cert, learner


def independent_verify(credential: dict, did_document: dict) -> bool:
    """eddsa-jcs-2022 verification written from the spec, sharing no code with the
    plugin."""
    proof = dict(credential["proof"])
    method = next(
        (m for m in did_document["verificationMethod"] if m["id"] == proof["verificationMethod"]),
        None,
    )
    if method is None:
        return False
    raw = base58.b58decode(method["publicKeyMultibase"][1:])
    assert raw[:2] == b"\xed\x01"
    key = Ed25519PublicKey.from_public_bytes(raw[2:])
    signature = base58.b58decode(proof.pop("proofValue")[1:])
    document = {k: v for k, v in credential.items() if k != "proof"}
    data = (
        hashlib.sha256(rfc8785.dumps(proof)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _fetch(tenant, client, cert):
    c = client(tenant)
    r = c.get(f"/verify/{cert.code}/credential.json")
    assert r.status_int == 200 and r.content_type == "application/json"
    did = c.get("/.well-known/did.json")
    assert did.status_int == 200
    return r.json, did.json


def test_credential_shape(issued, tenant, client):
    cert, learner = issued
    credential, did = _fetch(tenant, client, cert)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    host = tenant.host
    assert credential["issuer"]["id"] == f"did:web:{host}" == did["id"]
    assert credential["issuer"]["name"] == tenant.orm.name
    assert credential["id"] == f"http://{host}/verify/{cert.code}"
    assert credential["credentialStatus"]["id"].startswith(credential["id"])
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Zoë Müller-Ødegård"
    assert subject["achievement"]["name"] == "Éléments de cryptographie"
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["@context"] == credential["@context"]
    assert proof["verificationMethod"] in did["assertionMethod"]
    assert proof["proofValue"].startswith("z")
    # no e-mail address or user id in the public credential
    text = json.dumps(credential)
    assert learner.email not in text and str(learner.id) not in text


def test_credential_verifies_independently_and_with_the_plugin(issued, tenant, client):
    cert, _ = issued
    credential, did = _fetch(tenant, client, cert)
    assert independent_verify(credential, did)
    method = did["verificationMethod"][0]
    raw = base58.b58decode(method["publicKeyMultibase"][1:])[2:]
    assert verify_credential(credential, raw)
    # the JWK set publishes the same key
    jwks = client(tenant).get("/certificates/keys.json").json
    (jwk,) = jwks["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert method["id"].endswith("#" + jwk["kid"])
    import base64

    assert base64.urlsafe_b64decode(jwk["x"] + "=") == raw


def _paths(value, path=()):
    """Every (path, string) leaf of a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))
    elif isinstance(value, str):
        yield path, value


def _set(doc, path, new):
    target = doc
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = new


def _flip(text: str, i: int) -> str:
    ch = text[i]
    return text[:i] + ("x" if ch != "x" else "y") + text[i + 1 :]


def test_any_changed_character_breaks_the_signature(issued, tenant, client):
    cert, _ = issued
    credential, did = _fetch(tenant, client, cert)
    raw = base58.b58decode(did["verificationMethod"][0]["publicKeyMultibase"][1:])[2:]
    checked = 0
    for path, text in _paths(credential):
        if path == ("proof", "proofValue"):
            continue
        # every character of the learner's name, the course, the dates; one per other string
        interesting = path[-1] in ("identityHash", "validFrom", "created", "name")
        for i in range(len(text)) if interesting else [len(text) // 2]:
            tampered = copy.deepcopy(credential)
            _set(tampered, path, _flip(text, i))
            assert not independent_verify(tampered, did), (path, i)
            assert not verify_credential(tampered, raw), (path, i)
            checked += 1
    assert checked > 60
    # an added member, a removed member, a changed proof value
    added = copy.deepcopy(credential)
    added["credentialSubject"]["extra"] = "x"
    removed = copy.deepcopy(credential)
    del removed["validFrom"]
    forged = copy.deepcopy(credential)
    forged["proof"]["proofValue"] = _flip(forged["proof"]["proofValue"], 10)
    for doc in (added, removed, forged):
        assert not verify_credential(doc, raw)
    # and the untouched one still verifies
    assert verify_credential(credential, raw)


def test_every_byte_of_the_serialised_credential_matters(issued, tenant, client):
    """Flip each byte of the served JSON: what still parses must not verify."""
    cert, _ = issued
    r = client(tenant).get(f"/verify/{cert.code}/credential.json")
    did = client(tenant).get("/.well-known/did.json").json
    raw_key = base58.b58decode(did["verificationMethod"][0]["publicKeyMultibase"][1:])[2:]
    body = r.body
    step = max(1, len(body) // 400)
    parsed_changes = 0
    for i in range(0, len(body), step):
        changed = bytearray(body)
        changed[i] ^= 0x01
        try:
            doc = json.loads(bytes(changed))
        except (ValueError, UnicodeDecodeError):
            continue
        if doc == r.json:  # whitespace flip: same credential
            continue
        parsed_changes += 1
        assert not verify_credential(doc, raw_key), i
    assert parsed_changes > 50


def test_another_tenants_key_does_not_verify(
    issued,
    tenant,
    other_tenant,
    user_factory,
    make_course,
    enrol_completed,
    criteria,
    issue_now,
    client,
):
    cert, _ = issued
    learner = user_factory(other_tenant)
    course = make_course(other_tenant)
    enrol_completed(other_tenant, course, learner)
    issue_now(other_tenant, course, learner)
    credential, _ = _fetch(tenant, client, cert)
    other_did = client(other_tenant).get("/.well-known/did.json").json
    raw = base58.b58decode(other_did["verificationMethod"][0]["publicKeyMultibase"][1:])[2:]
    assert not verify_credential(credential, raw)


def test_the_private_key_is_sealed_at_rest(issued, db):
    import sqlalchemy as sa

    from learninghub_certificates.models import SigningKey

    key = db.scalar(sa.select(SigningKey))
    assert key.private_key.startswith("lhsec1:")


def test_pdf_has_names_and_a_qr_code_to_the_verification_url(issued, tenant, client, read_pdf):
    cert, learner = issued
    r = client(tenant, learner).get(f"/certificates/{cert.id}/certificate.pdf")
    assert r.status_int == 200 and r.content_type == "application/pdf"
    text, codes = read_pdf(r.body)
    assert "Zoë Müller-Ødegård" in text
    assert "Éléments de cryptographie" in text
    assert "87.50" in text
    assert cert.code in text
    assert codes == [f"http://{tenant.host}/verify/{cert.code}"]
