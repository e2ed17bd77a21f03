"""Signed playback URLs of a ready stream (docs/design/streaming-contracts.md, "playback").

Every file of a stream is served under one signed prefix::

    /streaming/hls/{scope}/{stream_id}/{exp}/{sig}/{path}

``sig`` is an HMAC-SHA256 (key derived from the kernel's ``secret.key`` for the
purpose ``streaming.hls``) over the tenant, the scope, the stream, the user the URL was
made for and ``exp``: the relative URIs of the playlists resolve under the same prefix,
so one signature covers a page load. The decryption key has its own URL
(``/streaming/keys/{stream_id}?scope=&exp=&t=``) whose token (purpose
``streaming.key``) lives ``key_token_seconds`` only; the media playlists are rewritten
with a fresh one each time they are served.

The callers (the player, analytics...) decide first that the user may watch
(:func:`learninghub_streaming.playback.access.may_watch`); these functions only sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import posixpath
import threading
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import quote

from learninghub.secrets import SecretError, secret_box

from . import access, mpegts

log = logging.getLogger(__name__)

#: the contract names it here too (docs/design/streaming-contracts.md, "Who may watch")
may_watch = access.may_watch

PLUGIN = "streaming"
HLS_PURPOSE = "streaming.hls"
KEY_PURPOSE = "streaming.key"
HLS_ROUTE = "streaming.hls"
KEY_ROUTE = "streaming.key"
MASTER = "master.m3u8"
SUBS_DIR = "subs"
#: a signed prefix's ``exp`` is rounded up to this (a page reloaded within the minute
#: gets the same URLs, which the browser has cached)
EXP_ROUNDING = 60


def now() -> int:
    """The Unix time (a function of its own: tests move the clock)."""
    return int(time.time())


# ----------------------------------------------------------------- signatures


def _signing_key(registry, purpose: str) -> bytes:
    secret = registry.settings["secret.key"].encode()
    return hmac.new(secret, b"learninghub-" + purpose.encode(), hashlib.sha256).digest()


def signature(request, purpose: str, scope: str, stream_id, user_id, exp: int) -> str:
    """The signature of (tenant, scope, stream, user, exp) for ``purpose``
    (:data:`HLS_PURPOSE` or :data:`KEY_PURPOSE`), URL-safe base64 without padding."""
    message = "\n".join(
        [
            purpose,
            str(request.tenant.id),
            str(scope),
            str(stream_id),
            str(user_id or "-"),
            str(int(exp)),
        ]
    ).encode()
    digest = hmac.new(_signing_key(request.registry, purpose), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_signature(request, purpose: str, scope: Any, stream_id, exp: Any, sig: Any) -> bool:
    """True when ``sig`` was made for ``purpose`` by this tenant for the request's
    (signed-in) user, this scope and stream, and ``exp`` is not past."""
    user = request.identity
    if user is None or request.tenant is None:
        return False
    name = access.parse_scope(scope)
    if name is None or name != scope:
        return False
    try:
        expires = int(str(exp))
    except (TypeError, ValueError):
        return False
    if str(expires) != str(exp) or expires < now():
        return False
    expected = signature(request, purpose, name, stream_id, user.id, expires)
    return hmac.compare_digest(expected.encode(), str(sig).encode())


def _scope(scope: Any) -> str:
    name = access.parse_scope(scope)
    if name is None:
        raise ValueError(f"not a playback scope: {scope!r}")
    return name


def _user_id(request):
    user = request.identity
    if user is None:
        raise ValueError("playback URLs are made for a signed-in user")
    return user.id


# ----------------------------------------------------------------- the HLS prefix


def hls_expiry(request, stream) -> int:
    """``exp`` of a new signed prefix: now + max(``playback_ttl_seconds``, 2 ×
    duration), rounded up to the minute."""
    settings = request.plugin_settings(PLUGIN)
    ttl = max(int(settings.playback_ttl_seconds), math.ceil(2 * (stream.duration_s or 0)))
    return -(-(now() + ttl) // EXP_ROUNDING) * EXP_ROUNDING


def prefix_url(request, stream, scope: Any, exp: int | None = None) -> str:
    """The signed prefix (ending with ``/``) of the stream's files for the request's
    user in ``scope``."""
    name = _scope(scope)
    if exp is None:
        exp = hls_expiry(request, stream)
    sig = signature(request, HLS_PURPOSE, name, stream.id, _user_id(request), exp)
    # built by hand: route_path would quote the slashes of the file path
    return request.route_path(
        HLS_ROUTE, scope=name, stream_id=str(stream.id), exp=str(exp), sig=sig, path=""
    )


def file_url(request, stream, scope: Any, path: str, exp: int | None = None) -> str:
    """The signed URL of the file ``path`` of the stream (a name of the published set,
    or ``subs/<caption id>.m3u8`` / ``.vtt``) for the request's user in ``scope``.
    The caller checked :func:`access.may_watch`."""
    return prefix_url(request, stream, scope, exp) + quote(path.lstrip("/"), safe="/")


def master_url(request, stream, scope: Any) -> str:
    """The signed URL of the stream's master playlist (what the player loads)."""
    return file_url(request, stream, scope, MASTER)


def subtitle_path(caption, ext: str = "vtt") -> str:
    return f"{SUBS_DIR}/{caption.id}.{ext}"


def caption_label(caption) -> str:
    """The name a player shows for a track: its label, else its language's name."""
    from ..captions import services as captions

    return caption.label or captions.language_name(caption.language)


def tracks(request, stream, scope: Any) -> list[dict]:
    """The caption tracks of the stream's asset for ``<track>`` elements:
    ``{id, kind, srclang, label, src, default}``, ``src`` a signed
    ``subs/<caption id>.vtt`` URL; the first track is the default."""
    from ..captions import services as captions

    exp = hls_expiry(request, stream)
    out = []
    for index, caption in enumerate(captions.tracks(request, stream.asset_id)):
        out.append(
            {
                "id": str(caption.id),
                "kind": caption.kind,
                "srclang": caption.language,
                "label": caption_label(caption),
                "src": file_url(request, stream, scope, subtitle_path(caption), exp),
                "default": index == 0,
            }
        )
    return out


# ----------------------------------------------------------------- the key


def key_expiry(request) -> int:
    return now() + int(request.plugin_settings(PLUGIN).key_token_seconds)


def key_url(request, stream, scope: Any, exp: int | None = None) -> str:
    """The URL of the stream's decryption key with a token valid ``key_token_seconds``
    (or until ``exp``), bound to the request's user, the stream and the scope."""
    name = _scope(scope)
    if exp is None:
        exp = key_expiry(request)
    token = signature(request, KEY_PURPOSE, name, stream.id, _user_id(request), exp)
    return request.route_path(
        KEY_ROUTE,
        stream_id=str(stream.id),
        _query={"scope": name, "exp": str(exp), "t": token},
    )


def stream_key(registry, stream) -> bytes:
    """The 16 bytes of the stream's AES-128 key (unsealed)."""
    key = bytes.fromhex(secret_box(registry).open(stream.key_sealed))
    if len(key) != 16:
        raise ValueError("the stream's key is not 16 bytes")
    return key


# ----------------------------------------------------------------- subtitle timing

#: (stream id, key id) → first PTS; a republished stream has a new key id. Bounded:
#: an entry is 3 small objects, a worker plays at most a few thousand streams.
_FIRST_PTS: OrderedDict[tuple[str, str], int] = OrderedDict()
_FIRST_PTS_SIZE = 4096
_FIRST_PTS_LOCK = threading.Lock()


def _timing_rendition(stream) -> dict | None:
    """The rendition whose first PTS the subtitles follow: the first video rendition,
    or the first rendition of an audio-only stream."""
    renditions = list(stream.renditions or [])
    for rendition in renditions:
        if rendition.get("height"):
            return rendition
    return renditions[0] if renditions else None


def read_first_pts(registry, storage, tenant_id, stream) -> int | None:
    """The first PTS (90 kHz) of the stream's timing rendition, read from its first
    segment decrypted with the stream's key; None when it cannot be read."""
    rendition = _timing_rendition(stream)
    if rendition is None:
        return None
    playlist_key = stream.published_prefix + rendition["playlist"]
    try:
        playlist = storage.read(tenant_id, playlist_key).decode("utf-8", "replace")
        segment = mpegts.first_segment(playlist)
        if segment is None:
            return None
        directory = posixpath.dirname(playlist_key)
        data = storage.read(tenant_id, posixpath.join(directory, segment.uri))
        clear = mpegts.decrypt(data, stream_key(registry, stream), segment.iv)
    except (KeyError, ValueError, SecretError) as exc:
        log.warning("stream %s: cannot read the first segment's time stamp: %s", stream.id, exc)
        return None
    return mpegts.first_pts(clear)


def first_pts(request, stream) -> int:
    """The first PTS of the stream (see :func:`read_first_pts`), cached in the process
    per (stream, key id); 0 (logged) when it cannot be read."""
    from learninghub.interfaces import IFileStorage

    cache_key = (str(stream.id), stream.key_id or "")
    with _FIRST_PTS_LOCK:
        if cache_key in _FIRST_PTS:
            _FIRST_PTS.move_to_end(cache_key)
            return _FIRST_PTS[cache_key]
    storage = request.find_service(IFileStorage)
    value = read_first_pts(request.registry, storage, request.tenant.id, stream)
    if value is None:
        return 0
    with _FIRST_PTS_LOCK:
        _FIRST_PTS[cache_key] = value
        while len(_FIRST_PTS) > _FIRST_PTS_SIZE:
            _FIRST_PTS.popitem(last=False)
    return value
