"""Removing personal metadata from JPEG originals, without re-encoding.

Cameras and phones write EXIF (GPS position, camera serial, time) and XMP/IPTC into
JPEG files; a photo shared with a class must not tell where it was taken. The
segments ``APP1`` (EXIF, XMP), ``APP13`` (IPTC) and ``COM`` are dropped; the pixels
(entropy-coded data), ``APP0`` (JFIF), ``APP2`` (ICC colour profile) and ``APP14``
(Adobe colour transform) are copied as they are. The EXIF orientation, the one tag
that changes how the image is shown, is written back alone.
"""

from __future__ import annotations

import io
import struct

SOI = b"\xff\xd8"
_DROP = {0xE1, 0xED, 0xFE}  # APP1, APP13, COM
_SOS = 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RSTn: no length
MAX_BYTES = 64 * 1024 * 1024


def _orientation(data: bytes) -> int | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            value = image.getexif().get(0x0112)
    except Exception:
        return None
    return value if isinstance(value, int) and 2 <= value <= 8 else None


def _orientation_segment(orientation: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    payload = exif.tobytes()  # starts with b"Exif\0\0"
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def strip_jpeg(data: bytes) -> bytes | None:
    """``data`` without its metadata segments, or None when it is not a JPEG this
    parser understands (then the caller keeps the original)."""
    if not data.startswith(SOI) or len(data) > MAX_BYTES:
        return None
    orientation = _orientation(data)
    out = [SOI]
    if orientation:
        out.append(_orientation_segment(orientation))
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            return None
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            return None
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            out.append(bytes([0xFF, marker]))
            continue
        if pos + 2 > len(data):
            return None
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > len(data):
            return None
        segment = bytes([0xFF, marker]) + data[pos : pos + length]
        pos += length
        if marker == _SOS:
            out.append(segment)
            out.append(data[pos:])  # the image itself, up to EOI, untouched
            return b"".join(out)
        if marker not in _DROP:
            out.append(segment)
    return None
