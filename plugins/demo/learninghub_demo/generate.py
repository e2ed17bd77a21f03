"""Generated demo files: a short test-pattern video, a sine-wave audio clip and course
thumbnails (a coloured gradient with the course's initials).

Video and audio come from the static ffmpeg of the imageio-ffmpeg wheel (it has
libx264 and aac). They are made once into ``<storage.path>/demo-cache/`` and reused
by later runs; when ffmpeg is not available the functions return None and the seed
leaves the media lessons out (with a logged warning) instead of failing.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import logging
import os
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_DIR = "demo-cache"
VIDEO_NAME = "demo-lesson-5s.mp4"
AUDIO_NAME = "demo-lesson-5s.m4a"
SECONDS = 5
FFMPEG_TIMEOUT = 60

VIDEO_ARGS = [
    "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={SECONDS}",
    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={SECONDS}",
    "-t", str(SECONDS),
    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "64k",
    "-movflags", "+faststart",
]  # fmt: skip
AUDIO_ARGS = [
    "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={SECONDS}",
    "-t", str(SECONDS),
    "-c:a", "aac", "-b:a", "64k",
    "-movflags", "+faststart",
]  # fmt: skip


def cache_dir(settings) -> Path:
    """``<storage.path>/demo-cache`` (the instance's own storage folder)."""
    root = settings.get("storage.path") or os.path.join(tempfile.gettempdir(), "learninghub")
    return Path(root) / CACHE_DIR


def ffmpeg_exe() -> str | None:
    """The ffmpeg of the imageio-ffmpeg wheel (or ``IMAGEIO_FFMPEG_EXE``), or None."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # no binary for this platform and none configured
        return None


def _make(target: Path, args: list[str]) -> Path | None:
    if target.is_file() and target.stat().st_size > 0:
        return target
    exe = ffmpeg_exe()
    if exe is None:
        log.warning("demo data: ffmpeg not available (pip install imageio-ffmpeg); no %s", target)
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    # written next to the target and renamed: a half-made file is never reused
    tmp = target.with_name(f".{target.stem}.{os.getpid()}{target.suffix}")
    cmd = [exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args, str(tmp)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("demo data: ffmpeg failed (%s); no %s", exc, target.name)
        tmp.unlink(missing_ok=True)
        return None
    if proc.returncode != 0 or not tmp.is_file():
        log.warning(
            "demo data: ffmpeg exited %s; no %s: %s",
            proc.returncode,
            target.name,
            proc.stderr.decode(errors="replace")[-500:],
        )
        tmp.unlink(missing_ok=True)
        return None
    os.replace(tmp, target)
    return target


def demo_video(settings) -> Path | None:
    """A 5 s 320x180 test pattern with a 440 Hz tone, H.264/AAC MP4 (~200 KB)."""
    return _make(cache_dir(settings) / VIDEO_NAME, VIDEO_ARGS)


def demo_audio(settings) -> Path | None:
    """A 5 s 330 Hz sine wave, AAC in an M4A container (~40 KB)."""
    return _make(cache_dir(settings) / AUDIO_NAME, AUDIO_ARGS)


def initials(title: str) -> str:
    words = [w for w in title.replace("-", " ").split() if w[:1].isalnum()]
    letters = [w[0] for w in words if w[0].isupper()] or [w[0] for w in words]
    return "".join(letters[:2]).upper() or "?"


def thumbnail_png(title: str, width: int = 640, height: int = 360) -> bytes:
    """A PNG: a diagonal two-colour gradient (hues derived from the title, so each
    course keeps its colours) with the course's initials in the middle."""
    from PIL import Image, ImageDraw, ImageFont

    seed = hashlib.sha256(title.encode()).digest()
    hue = seed[0] / 255
    start = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.42, 0.65))
    end = tuple(int(c * 255) for c in colorsys.hls_to_rgb((hue + 0.12) % 1, 0.25, 0.7))
    # a 2x2 image scaled up bilinearly is a smooth diagonal gradient, without a pixel loop
    corners = Image.new("RGB", (2, 2))
    mid = tuple((a + b) // 2 for a, b in zip(start, end, strict=True))
    corners.putdata([start, mid, mid, end])
    image = corners.resize((width, height), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    text = initials(title)
    try:
        font = ImageFont.load_default(size=height // 3)
    except TypeError:  # Pillow < 10.1: the bitmap font has one size
        font = ImageFont.load_default()
    draw.text(
        (width / 2, height / 2),
        text,
        fill=(255, 255, 255),
        font=font,
        anchor="mm",
        stroke_width=max(1, height // 120),
        stroke_fill=tuple(max(0, c - 40) for c in end),
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
