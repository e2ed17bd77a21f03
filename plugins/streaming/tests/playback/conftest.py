"""Fixtures of the playback tests: a published course whose video lesson uses a real,
transcoded stream (the shared ``ready_stream``), its instructor, the asset's uploader
(not staff), an enrolled learner, an outsider (same tenant, not enrolled) and another
tenant's admin; helpers to sign URLs for a user and to decrypt and read segments."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from learninghub.db import utcnow

VTT = (
    "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nFirst cue\n\n"
    "00:00:01.800 --> 00:00:02.800\nSecond cue\n"
)


@dataclass
class World:
    tenant: Any
    other_tenant: Any
    instructor: Any
    uploader: Any
    learner: Any
    outsider: Any
    foreign_admin: Any
    course: Any
    lesson: Any
    asset: Any
    stream: Any
    enrollment: Any

    @property
    def scope(self) -> str:
        return str(self.lesson.id)


@pytest.fixture
def make_world(
    db,
    tenant,
    other_tenant,
    user_factory,
    make_course,
    enrol_directly,
    kind_asset,
    use_asset,
    ready_stream,
):
    """``make_world(kind="video")``: the world around a ready stream of ``kind``."""

    def make(kind: str = "video") -> World:
        instructor = user_factory(tenant, "instructor")
        uploader = user_factory(tenant, "instructor")
        setup = make_course(tenant, lessons=2, instructor=instructor, lesson_types=[kind, kind])
        asset = kind_asset(tenant, kind, uploader)
        lesson = setup.lessons[0]
        use_asset(lesson, asset.id)
        stream = ready_stream(tenant, asset, kind=kind)
        learner = user_factory(tenant, "learner")
        enrollment = enrol_directly(tenant, setup.course, learner)
        return World(
            tenant,
            other_tenant,
            instructor,
            uploader,
            learner,
            user_factory(tenant, "learner"),
            user_factory(other_tenant, "admin"),
            setup.course,
            lesson,
            asset,
            stream,
            enrollment,
        )

    return make


@pytest.fixture
def world(make_world) -> World:
    return make_world("video")


@pytest.fixture
def add_caption(db):
    """``add_caption(world, language="en", vtt=VTT, label="")``: a caption row."""
    from learninghub_streaming.captions.models import Caption

    def make(world: World, language: str = "en", vtt: str = VTT, label: str = "") -> Any:
        caption = Caption(
            id=uuid.uuid4(),
            tenant_id=world.tenant.id,
            asset_id=world.asset.id,
            language=language,
            label=label,
            kind="subtitles",
            vtt=vtt,
            updated_at=utcnow(),
        )
        db.add(caption)
        db.flush()
        return caption

    return make


@pytest.fixture
def signed(registry, db):
    """``signed(world, user, fn, *args, scope=None, **kw)``: call a playback service
    (``fn(request, stream, scope, *args)``) as ``user`` of the world's tenant, outside
    any HTTP request (what the player page would have made)."""
    from learninghub.tasks import make_tenant_request

    def call(world: World, user, fn, *args, scope: str | None = None, **kw):
        info = registry["tenancy.resolver"].by_id(world.tenant.id)
        request = make_tenant_request(registry, info, None)
        request.__dict__["db"] = db
        request.__dict__["_lh_identity"] = user
        return fn(request, world.stream, scope or world.scope, *args, **kw)

    return call


# ----------------------------------------------------------------- HLS helpers
# Written here, independently of the playback code, as a player would do it.


def playlist_uris(text: str) -> list[str]:
    """The URIs of a playlist: its variant/segment lines and its tags' URI attributes."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return lines + re.findall(r'#EXT-X-MEDIA:[^\n]*URI="([^"]+)"', text)


def key_uri(text: str) -> str:
    return re.search(r'#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"', text).group(1)


def segments_with_iv(text: str) -> list[tuple[str, bytes]]:
    """(URI, IV) of each segment of a media playlist: the key tag's IV, else the
    segment's media sequence number (RFC 8216 §5.2)."""
    sequence = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    iv = None
    out = []
    for line in text.splitlines():
        if line.startswith("#EXT-X-KEY"):
            found = re.search(r"IV=0x([0-9a-fA-F]{32})", line)
            iv = bytes.fromhex(found.group(1)) if found else None
        elif line and not line.startswith("#"):
            out.append((line, iv or sequence.to_bytes(16, "big")))
            sequence += 1
    return out


def is_transport_stream(data: bytes) -> bool:
    return (
        len(data) > 0
        and len(data) % 188 == 0
        and all(data[i] == 0x47 for i in range(0, len(data), 188))
    )


def decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """AES-128-CBC and PKCS#7 unpadding; ValueError when the padding is wrong."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    clear = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(clear) + unpadder.finalize()


def first_pes_pts(data: bytes, stream_ids: range) -> int | None:
    """The PTS of the first PES whose stream id is in ``stream_ids``."""
    for offset in range(0, len(data), 188):
        packet = data[offset : offset + 188]
        if not packet[1] & 0x40:
            continue
        start = 5 + packet[4] if packet[3] & 0x20 else 4
        pes = packet[start:]
        if pes[:3] == b"\x00\x00\x01" and pes[3] in stream_ids and pes[7] & 0x80:
            p = pes[9:14]
            return ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    return None


@pytest.fixture
def hls():
    """The helpers above: ``hls.decrypt``, ``hls.is_transport_stream``..."""
    return SimpleNamespace(
        playlist_uris=playlist_uris,
        key_uri=key_uri,
        segments_with_iv=segments_with_iv,
        is_transport_stream=is_transport_stream,
        decrypt=decrypt,
        first_pes_pts=first_pes_pts,
        VIDEO=range(0xE0, 0xF0),
        AUDIO=range(0xC0, 0xE0),
    )
