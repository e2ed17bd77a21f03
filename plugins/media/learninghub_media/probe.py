"""What an audio or video file holds: its duration and, for video, its picture size.

:func:`probe` asks ffmpeg (:mod:`.ffmpeg`), which reads every audio and video type
the sniffer names: MP4, M4A, QuickTime, WebM, Matroska, MP3, AAC (ADTS), Ogg (Vorbis,
Opus, FLAC), WAV and FLAC. Without ffmpeg (imageio-ffmpeg has no binary for the
platform) or when it cannot tell, durations come from the container's header,
without decoding (:func:`duration_s`):

* WAV: frames / frame rate (the standard library's :mod:`wave`);
* MP4, M4A, QuickTime: the movie header (``moov/mvhd``: duration / timescale), found
  by walking the boxes wherever ``moov`` is (start or end of the file).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from . import ffmpeg
from .ffmpeg import MediaInfo

MP4_TYPES = frozenset({"video/mp4", "audio/mp4", "video/quicktime"})
_MAX_BOXES = 10_000  # a hostile file cannot make the walk endless


def whole_seconds(duration: float | None) -> int | None:
    """``duration`` rounded to whole seconds; a file shorter than half a second
    lasts one (it is not "0 s" long), an unknown or empty one None."""
    if duration is None or duration <= 0:
        return None
    return max(1, int(duration + 0.5))


def probe(content_type: str, path: str) -> MediaInfo:
    """Duration (seconds), width and height of the audio or video file at ``path``
    of the sniffed ``content_type``; all None for other types or unreadable files."""
    if content_type not in ffmpeg.DEMUXERS:
        return MediaInfo()
    info = ffmpeg.probe(content_type, path)
    if info is not None and info.duration is not None:
        return info
    with open(path, "rb") as file:
        seconds = duration_s(content_type, file)
    width, height = (info.width, info.height) if info is not None else (None, None)
    return MediaInfo(float(seconds) if seconds else None, width, height)


def duration_s(content_type: str, file: BinaryIO) -> int | None:
    """Whole seconds from the container's header (WAV, MP4 family), or None."""
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
