"""Content sniffing: the bytes decide the type, never the file name.

:func:`sniff` reads the first bytes of a file (and, for ZIP containers, the archive's
directory) and names its content type from magic numbers. What it cannot recognise is
``application/octet-stream``; text that looks like HTML, SVG or XML is named as such so
that the allow-list can refuse it (a browser would run its scripts).
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

HEAD_BYTES = 4096

#: content type -> what it is shown as (``image``, ``audio``, ``video``, ``document``)
KIND = {
    "image/png": "image",
    "image/jpeg": "image",
    "image/gif": "image",
    "image/webp": "image",
    "application/pdf": "document",
    "video/mp4": "video",
    "audio/mp4": "audio",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/x-matroska": "video",
    "audio/mpeg": "audio",
    "audio/aac": "audio",
    "audio/ogg": "audio",
    "audio/wav": "audio",
    "audio/flac": "audio",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
    "application/vnd.oasis.opendocument.text": "document",
    "application/vnd.oasis.opendocument.spreadsheet": "document",
    "application/vnd.oasis.opendocument.presentation": "document",
    "application/epub+zip": "document",
    "application/zip": "document",
    "text/plain": "document",
    "text/vtt": "document",
    "text/html": "document",
    "image/svg+xml": "document",
    "application/xml": "document",
    "application/octet-stream": "document",
}

#: every type the sniffer can name
KNOWN_TYPES = frozenset(KIND)

#: refused unless a tenant explicitly allows them (scripts, archives, unknown bytes)
RISKY_TYPES = frozenset(
    {"text/html", "image/svg+xml", "application/xml", "application/zip", "application/octet-stream"}
)

#: the default allow-list
DEFAULT_ALLOWED = frozenset(KNOWN_TYPES - RISKY_TYPES)

#: images Pillow may open to read dimensions and make thumbnails
THUMBNAIL_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ODF_AND_EPUB = {
    b"application/vnd.oasis.opendocument.text": "application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.spreadsheet": (
        "application/vnd.oasis.opendocument.spreadsheet"
    ),
    b"application/vnd.oasis.opendocument.presentation": (
        "application/vnd.oasis.opendocument.presentation"
    ),
    b"application/epub+zip": "application/epub+zip",
}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")

# MPEG audio: bitrate index 1111 and sample-rate index 11 are invalid
_BAD_BITRATE = 0xF0
_BAD_RATE = 0x0C


def kind_of(content_type: str) -> str:
    return KIND.get(content_type, "document")


def is_streamable(content_type: str) -> bool:
    return kind_of(content_type) in ("audio", "video")


def sniff(head: bytes, file: BinaryIO | None = None) -> str:
    """The content type of a file whose first bytes are ``head`` (at least
    :data:`HEAD_BYTES` when the file is that long). ``file``, a seekable binary file
    of the whole content, lets ZIP containers be told apart (office documents)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio/mp4"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return "audio/mpeg"
    if _adts_frame(head):
        return "audio/aac"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(head, file)
    return _text_type(head)


def _mpeg_audio_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0x03, (head[1] >> 1) & 0x03
    return (
        version != 0x01
        and layer != 0x00
        and head[2] & _BAD_BITRATE != _BAD_BITRATE
        and head[2] & _BAD_RATE != _BAD_RATE
    )


def _adts_frame(head: bytes) -> bool:
    # 12 sync bits, then layer 00 (what tells ADTS from MPEG audio)
    return len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0


def _zip_type(head: bytes, file: BinaryIO | None) -> str:
    # ODF and EPUB store an uncompressed "mimetype" entry first
    if head[30:38] == b"mimetype":
        for marker, ctype in _ODF_AND_EPUB.items():
            if head[38 : 38 + len(marker)] == marker:
                return ctype
    if file is None:
        return "application/zip"
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "application/octet-stream"
    finally:
        file.seek(0)
    if "[Content_Types].xml" in names:
        for prefix, ctype in _OOXML.items():
            if any(name.startswith(prefix) for name in names):
                return ctype
    return "application/zip"


def _text_type(head: bytes) -> str:
    if b"\x00" in head:
        return "application/octet-stream"
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    # a file cut inside a multi-byte character is still text
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 3:
            return "application/octet-stream"
        text = body[: exc.start].decode("utf-8")
    if text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\r\n"):
        return "text/vtt"
    lowered = text.lstrip().lower().encode()
    if lowered.startswith(_MARKUP_STARTS) or b"<script" in lowered or b"<html" in lowered:
        return "text/html"
    if lowered.startswith(b"<svg") or b"<svg" in lowered[:1024]:
        return "image/svg+xml"
    if lowered.startswith(b"<?xml"):
        return "application/xml"
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return "application/octet-stream"
    return "text/plain"
