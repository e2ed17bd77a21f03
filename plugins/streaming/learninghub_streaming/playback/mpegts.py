"""Just enough of HLS and MPEG-TS to line subtitles up with the picture.

A WebVTT subtitle rendition carries ``X-TIMESTAMP-MAP=MPEGTS:<pts>,LOCAL:00:00:00.000``:
the presentation time stamp (90 kHz) of the media at the cue time 0. ffmpeg's
transport streams do not start at PTS 0 (the muxer's start offset), so the first
segment of the first rendition is decrypted (AES-128-CBC, PKCS#7, the IV of the key tag
or else the segment's media sequence number, as a player does) and its first PES time
stamp read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PACKET = 188
SYNC = 0x47
_IV = re.compile(r"#EXT-X-KEY:[^\n]*?IV=0[xX]([0-9a-fA-F]{1,32})")
_SEQUENCE = re.compile(r"^#EXT-X-MEDIA-SEQUENCE:(\d+)", re.M)


@dataclass(frozen=True)
class FirstSegment:
    uri: str
    iv: bytes


def first_segment(playlist: str) -> FirstSegment | None:
    """The URI of the first segment of a media playlist and the IV it is encrypted
    with (the key tag's ``IV`` before it, else its media sequence number)."""
    sequence_match = _SEQUENCE.search(playlist)
    sequence = int(sequence_match.group(1)) if sequence_match else 0
    iv: bytes | None = None
    for line in playlist.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-KEY"):
            found = _IV.search(line)
            iv = bytes.fromhex(found.group(1).rjust(32, "0")) if found else None
        elif line and not line.startswith("#"):
            return FirstSegment(line, iv if iv is not None else sequence.to_bytes(16, "big"))
    return None


def decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """AES-128-CBC with PKCS#7 padding (HLS ``METHOD=AES-128``); ValueError when the
    padding is wrong (another key, or a damaged segment)."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    clear = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(clear) + unpadder.finalize()


def is_transport_stream(data: bytes) -> bool:
    """A whole number of 188-byte packets, each starting with the sync byte."""
    return (
        len(data) > 0
        and len(data) % PACKET == 0
        and all(data[i] == SYNC for i in range(0, len(data), PACKET))
    )


def _pts(p: bytes) -> int:
    return ((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1


def first_pts(data: bytes) -> int | None:
    """The PTS (90 kHz ticks) of the first video PES of a transport stream, else of the
    first audio PES; None when there is neither."""
    audio: int | None = None
    for offset in range(0, len(data) - PACKET + 1, PACKET):
        packet = data[offset : offset + PACKET]
        if packet[0] != SYNC or not packet[1] & 0x40:  # no PES starts in this packet
            continue
        control = (packet[3] >> 4) & 0x3
        if not control & 0x1:
            continue
        index = 5 + packet[4] if control & 0x2 else 4
        payload = packet[index:]
        if len(payload) < 14 or payload[:3] != b"\x00\x00\x01" or not payload[7] & 0x80:
            continue
        stream_id = payload[3]
        if 0xE0 <= stream_id <= 0xEF:
            return _pts(payload[9:14])
        if 0xC0 <= stream_id <= 0xDF and audio is None:
            audio = _pts(payload[9:14])
    return audio
