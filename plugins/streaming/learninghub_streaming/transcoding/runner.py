"""Run the transcoding ffmpeg and follow its progress.

ffmpeg writes ``key=value`` lines on ``-progress pipe:1`` every half second and ends
each block with ``progress=continue`` (or ``progress=end``). With several outputs
(renditions, poster, sprite), ``out_time_us`` is that of the slowest output (the
one-frame poster stops it early), so the share done is read from ``frame=`` (frames of
the first video output) against the expected frame count; audio-only runs use
``out_time_us``. ``on_progress(percent)`` is called when the percentage changed and at
most once per ``every`` seconds (and once with 100 at the end of a successful run).

The process is killed when it runs past ``timeout`` seconds, or when ``on_progress``
raises (the exception then propagates: a stopping worker leaves nothing running).
"""

from __future__ import annotations

import collections
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: lines of ffmpeg's stderr kept for the error message
ERROR_LINES = 12
#: the largest file ffmpeg may write (a runaway encode must not fill the disk)
MAX_FILE_BYTES = 8 * 1024**3


@dataclass
class Result:
    returncode: int
    error: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


class ProgressParser:
    """Turns ``-progress`` lines into a percentage (0–100)."""

    def __init__(self, duration: float, fps: float | None) -> None:
        self.duration = max(duration, 0.001)
        self.frames = max(1.0, duration * fps) if fps else None
        self.percent = 0

    def feed(self, line: str) -> int | None:
        """The new percentage when ``line`` ends a block with one, else None."""
        key, _, value = line.strip().partition("=")
        if key == "frame" and self.frames is not None:
            return self._set(int(value) / self.frames if value.isdigit() else None)
        if key == "out_time_us" and self.frames is None:
            try:
                return self._set(int(value) / 1_000_000 / self.duration)
            except ValueError:
                return None
        return None

    def _set(self, share: float | None) -> int | None:
        if share is None or share < 0:
            return None
        percent = min(99, int(share * 100))  # 100 only when ffmpeg has finished
        if percent <= self.percent:
            return None
        self.percent = percent
        return percent


def _limit(pid: int) -> None:
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def run(
    executable: str,
    arguments: list[str],
    *,
    duration: float,
    fps: float | None,
    timeout: float,
    on_progress: Callable[[int], None] | None = None,
    every: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
) -> Result:
    """Run ffmpeg and report its progress; returns its :class:`Result` (the last
    lines of stderr as ``error`` when it failed)."""
    process = subprocess.Popen(
        [executable, *arguments],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
    )
    _limit(process.pid)
    tail: collections.deque[str] = collections.deque(maxlen=ERROR_LINES)

    def drain() -> None:
        for raw in process.stderr:  # type: ignore[union-attr]
            text = raw.decode("utf-8", "replace").rstrip()
            if text:
                tail.append(text)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    parser = ProgressParser(duration, fps)
    last_report = None
    pending: int | None = None
    try:
        for raw in process.stdout:  # type: ignore[union-attr]
            line = raw.decode("ascii", "replace")
            percent = parser.feed(line)
            if percent is not None:
                pending = percent
            if pending is not None and on_progress is not None and line.startswith("progress="):
                now = clock()
                if last_report is None or now - last_report >= every:
                    on_progress(pending)
                    last_report, pending = now, None
        process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        timer.cancel()
        reader.join(timeout=5)
    if timed_out.is_set():
        return Result(-1, f"ffmpeg ran out of time ({timeout:.0f} s)", timed_out=True)
    error = "\n".join(tail) if process.returncode != 0 else ""
    if process.returncode != 0 and not error:
        error = f"ffmpeg exited with status {process.returncode}"
    if process.returncode == 0 and on_progress is not None:
        on_progress(100)
    return Result(process.returncode, error)
