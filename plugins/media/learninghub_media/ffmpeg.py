"""The static ffmpeg of imageio-ffmpeg, run on uploaded files: what they hold and a frame.

imageio-ffmpeg ships ``ffmpeg`` without ``ffprobe``, so :func:`probe` reads what
``ffmpeg -i FILE`` prints (``Duration: 00:03:20.04`` and the first video stream's
``1280x720 [SAR 1:1 DAR 16:9]`` with its ``displaymatrix: rotation``); when the
container does not say its duration (``Duration: N/A``: WebM from a browser's
MediaRecorder), the packets are read without decoding (``-c copy -f null``) and the
last timestamp is the duration.

Uploaded files are hostile until proven otherwise, so every run:

* names the demuxer from the *sniffed* type (``-f mov``, ``-f matroska``...): ffmpeg
  never guesses, and a file cannot pass for a playlist (HLS, concat) that opens others;
* allows only the ``file`` protocol (``-protocol_whitelist file``);
* is killed after :data:`TIMEOUT` seconds, with a CPU-time and address-space limit
  and no right to write files (Linux ``prlimit``; it writes to a pipe only).

Nothing here raises for a file ffmpeg cannot read: the answers are None.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: sniffed content type -> the ffmpeg demuxer that reads it
DEMUXERS = {
    "video/mp4": "mov",
    "audio/mp4": "mov",
    "video/quicktime": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/flac": "flac",
}
TIMEOUT = 60.0
_CPU_SECONDS = 120
_ADDRESS_SPACE = 2 * 1024**3
#: the largest frame (PNG) read back from ffmpeg
MAX_FRAME_BYTES = 32 * 1024 * 1024

_DURATION = re.compile(r"^\s*Duration: (?:(\d+):(\d{2}):(\d{2}(?:\.\d+)?)|N/A)", re.M)
_VIDEO = re.compile(r"^\s*Stream #\d+:\d+.*?: Video: (.*)$", re.M)
_SIZE = re.compile(r", (\d{1,5})x(\d{1,5})(?=[\s,\]]|$)")
_SAR = re.compile(r"SAR (\d+):(\d+)")
_ROTATION = re.compile(r"displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees")
_STREAM_OR_END = re.compile(r"^\s*(Stream #|Input #|Output #|At least one)", re.M)
_OUT_TIME = re.compile(r"^out_time_us=(\d+)$", re.M)


@dataclass(frozen=True)
class MediaInfo:
    """What a file holds: ``duration`` in seconds and, for video, the size the
    picture is shown at (sample aspect ratio and rotation applied)."""

    duration: float | None = None
    width: int | None = None
    height: int | None = None


def executable() -> str | None:
    """The path of ffmpeg (imageio-ffmpeg's, or ``IMAGEIO_FFMPEG_EXE``), or None."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # not installed, no binary for this platform
        return None


def _limit(pid: int) -> None:
    """CPU time, memory and no file writes for the child (best effort; Linux)."""
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_CPU, (_CPU_SECONDS, _CPU_SECONDS))
        resource.prlimit(pid, resource.RLIMIT_AS, (_ADDRESS_SPACE, _ADDRESS_SPACE))
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, 0))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def run(arguments: list[str], *, timeout: float = TIMEOUT) -> tuple[int, bytes, str] | None:
    """``(exit status, stdout, stderr)`` of ffmpeg with ``arguments``, or None when
    there is no ffmpeg or it ran out of time."""
    exe = executable()
    if exe is None:
        return None
    command = [exe, "-hide_banner", "-nostdin", *arguments]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
        )
    except OSError:
        log.warning("could not start ffmpeg %s", exe, exc_info=True)
        return None
    _limit(process.pid)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        log.warning("ffmpeg ran out of time (%ss): %s", timeout, " ".join(arguments[-4:]))
        return None
    return process.returncode, out, err.decode("utf-8", "replace")


def _input(content_type: str, path: str) -> list[str] | None:
    demuxer = DEMUXERS.get(content_type)
    if demuxer is None:
        return None
    return ["-protocol_whitelist", "file", "-f", demuxer, "-i", "file:" + os.path.abspath(path)]


def parse_info(text: str, *, video: bool) -> MediaInfo:
    """The :class:`MediaInfo` of what ``ffmpeg -i`` printed for one input. The size
    is only read for ``video`` (an MP3's cover picture is a "Video" stream too)."""
    duration = None
    if (found := _DURATION.search(text)) and found.group(1) is not None:
        hours, minutes, seconds = found.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    width = height = None
    if video:
        for stream in _VIDEO.finditer(text):
            description = stream.group(1)
            if "attached pic" in description or not (size := _SIZE.search(description)):
                continue
            width, height = int(size.group(1)), int(size.group(2))
            if (sar := _SAR.search(description)) and int(sar.group(1)) and int(sar.group(2)):
                num, den = int(sar.group(1)), int(sar.group(2))
                if num != den:
                    width = max(1, round(width * num / den))
            # side data of this stream: up to the next stream (or the end)
            rest = text[stream.end() :]
            end = _STREAM_OR_END.search(rest)
            block = rest[: end.start()] if end else rest
            if rotation := _ROTATION.search(block):
                if round(abs(float(rotation.group(1)))) % 180 == 90:
                    width, height = height, width
            break
    return MediaInfo(duration, width, height)


def demuxed_duration(content_type: str, path: str) -> float | None:
    """The last timestamp of the file's packets, read without decoding."""
    source = _input(content_type, path)
    if source is None:
        return None
    result = run([*source, "-map", "0", "-c", "copy", "-f", "null", "-progress", "pipe:1", "-"])
    if result is None or result[0] != 0:
        return None
    times = _OUT_TIME.findall(result[1].decode("ascii", "replace"))
    return int(times[-1]) / 1_000_000 if times and int(times[-1]) > 0 else None


def probe(content_type: str, path: str) -> MediaInfo | None:
    """What the file at ``path`` (of the sniffed ``content_type``) holds, or None when
    ffmpeg is missing, does not read this type or cannot read the file."""
    source = _input(content_type, path)
    if source is None:
        return None
    result = run(source)  # no output file: ffmpeg prints the input and exits with 1
    if result is None:
        return None
    _, _, text = result
    if "Input #0" not in text:
        log.info("ffmpeg could not read a %s: %s", content_type, text.strip()[-200:])
        return None
    info = parse_info(text, video=content_type.startswith("video/"))
    if info.duration is None:
        info = MediaInfo(demuxed_duration(content_type, path), info.width, info.height)
    return info


def frame_png(content_type: str, path: str, at: float, max_side: int) -> bytes | None:
    """One frame at ``at`` seconds as a PNG, shown as a player would (rotation and
    sample aspect ratio applied), at most ``max_side`` pixels wide and high (never
    enlarged); None when there is no frame there."""
    source = _input(content_type, path)
    if source is None:
        return None
    scale = (
        "scale=iw*sar:ih,setsar=1,"
        f"scale=w='min({max_side},iw)':h='min({max_side},ih)':force_original_aspect_ratio=decrease"
    )
    arguments = ["-ss", f"{max(at, 0.0):.3f}", *source]
    arguments += ["-map", "0:v:0", "-frames:v", "1", "-an", "-sn", "-dn", "-vf", scale]
    arguments += ["-f", "image2pipe", "-c:v", "png", "-loglevel", "error", "-"]
    result = run(arguments)
    if result is None:
        return None
    status, out, err = result
    if status != 0 or not out or len(out) > MAX_FRAME_BYTES:
        if err.strip():
            log.info("no frame at %.3fs: %s", at, err.strip()[-200:])
        return None
    return out
