"""Durations read from container headers, without decoding (None when unknown).

* WAV: frames / frame rate (the standard library's :mod:`wave`);
* MP4, M4A, QuickTime: the movie header (``moov/mvhd``: duration / timescale), found
  by walking the boxes wherever ``moov`` is (start or end of the file).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

MP4_TYPES = frozenset({"video/mp4", "audio/mp4", "video/quicktime"})
_MAX_BOXES = 10_000  # a hostile file cannot make the walk endless


def duration_s(content_type: str, file: BinaryIO) -> int | None:
    try:
        if content_type == "audio/wav":
            return wav_duration(file)
        if content_type in MP4_TYPES:
            return mp4_duration(file)
        return None
    except (OSError, EOFError, struct.error, ValueError):
        return None
    finally:
        file.seek(0)


def wav_duration(file: BinaryIO) -> int | None:
    import wave

    file.seek(0)
    try:
        with wave.open(file, "rb") as wav:
            rate = wav.getframerate()
            return round(wav.getnframes() / rate) if rate else None
    except wave.Error:
        return None


def _boxes(file: BinaryIO, start: int, stop: int):
    """``(type, payload start, box end)`` of the boxes between ``start`` and ``stop``."""
    pos = start
    for _ in range(_MAX_BOXES):
        if pos + 8 > stop:
            return
        file.seek(pos)
        size, kind = struct.unpack(">I4s", file.read(8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", file.read(8))
            header = 16
        elif size == 0:
            size = stop - pos
        if size < header:
            return
        yield kind, pos + header, min(pos + size, stop)
        pos += size


def mp4_duration(file: BinaryIO) -> int | None:
    file.seek(0, 2)
    end = file.tell()
    for kind, start, stop in _boxes(file, 0, end):
        if kind != b"moov":
            continue
        for inner, payload, _ in _boxes(file, start, stop):
            if inner != b"mvhd":
                continue
            file.seek(payload)
            version = file.read(4)[0]
            if version == 1:
                file.read(16)  # creation and modification times
                timescale, duration = struct.unpack(">IQ", file.read(12))
            else:
                file.read(8)
                timescale, duration = struct.unpack(">II", file.read(8))
            return round(duration / timescale) if timescale else None
    return None
