"""The ffmpeg command of a transcode: one process decoding the upload once and writing
the whole HLS ladder, the poster and the thumbnail sprite.

What the command does (docs/plugins/streaming.md):

* the input is read with the demuxer of the *sniffed* type and only the ``file``
  protocol (media's rules for hostile uploads: a file cannot pass for a playlist);
* the video is split once per output: one H.264 encode per rung of the ladder (360p,
  720p, 1080p; never taller than the source nor than the tenant's ``max_height``),
  each with a keyframe exactly every ``segment_s`` seconds (``-force_key_frames`` on
  time, ``-g``/``-keyint_min`` = fps × segment_s, ``-sc_threshold 0``), so the segments
  of every rendition start on the same instants and a player can switch between them;
* one AAC audio rendition shared by every video rendition (an HLS audio group), or, for
  audio-only sources, AAC at two bitrates;
* the HLS muxer writes VOD media playlists of fixed-length segments, AES-128 encrypted
  with the key of the key info file (each segment with its own IV), and the master
  playlist;
* the poster (one JPEG frame) and the thumbnail sprite (a grid of small frames, one
  every :func:`sprite_interval` seconds) come from a second, short ffmpeg run
  (:func:`stills_command`) that decodes only the source's keyframes for the sprite and
  seeks for the poster: as branches of the ladder's filter graph they decoded nothing
  more but cost the ladder about 8 % (two more outputs of every frame; measured with
  ``scripts/bench/bench_transcode.py``), the stills run costs about 1 %. The WebVTT
  index of the sprite is written by :func:`sprite_vtt`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

#: (name, height, video bitrate in kbit/s) of the ladder, lowest first
LADDER = (("360p", 360, 800), ("720p", 720, 2800), ("1080p", 1080, 5000))
AUDIO_KBPS = 128
#: the two AAC renditions of an audio-only source (name, kbit/s)
AUDIO_ONLY = (("aac64", 64), ("aac128", 128))
PRESET = "veryfast"
MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
POSTER = "poster.jpg"
SPRITE = "sprite.jpg"
SPRITE_VTT = "sprite.vtt"
#: what the key URI of the playlists says until the playback part rewrites it
KEY_URI_PLACEHOLDER = "streaming-key"
SPRITE_COLUMNS = 10
SPRITE_MAX_TILES = 100
SPRITE_WIDTH = 160


def even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int

    @property
    def bandwidth(self) -> int:
        """Bits per second of the rendition with its audio (as the master says)."""
        return (self.video_kbps + self.audio_kbps) * 1000

    @property
    def playlist(self) -> str:
        return f"{self.name}/{PLAYLIST}"

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "bandwidth": self.bandwidth,
            "playlist": self.playlist,
        }


def ladder(width: int | None, height: int | None, max_height: int = 1080) -> list[Rung]:
    """The rungs for a source of ``width`` × ``height`` (as displayed): every standard
    height up to the source's and ``max_height``; a source shorter than the lowest rung
    gets one rung at its own size."""
    if not width or not height:
        return []
    top = min(height, max_height)
    rungs = [
        Rung(name, even(width * h / height), h, kbps, AUDIO_KBPS)
        for name, h, kbps in LADDER
        if h <= top
    ]
    if not rungs:
        h = even(top)
        kbps = max(200, round(LADDER[0][2] * h / LADDER[0][1]))
        rungs = [Rung(f"{h}p", even(width * h / height), h, kbps, AUDIO_KBPS)]
    return rungs


def audio_rungs() -> list[Rung]:
    return [Rung(name, 0, 0, 0, kbps) for name, kbps in AUDIO_ONLY]


def sprite_interval(duration: float) -> int:
    """Seconds between two thumbnails of the sprite: at most
    :data:`SPRITE_MAX_TILES` of them, never closer than 2 s."""
    return max(2, math.ceil(max(duration, 0.0) / SPRITE_MAX_TILES))


def sprite_layout(duration: float, width: int, height: int) -> tuple[int, int, int, int, int]:
    """(tiles, columns, rows, tile width, tile height) of the sprite."""
    interval = sprite_interval(duration)
    tiles = max(1, min(SPRITE_MAX_TILES, math.ceil(duration / interval)))
    columns = min(SPRITE_COLUMNS, tiles)
    rows = math.ceil(tiles / columns)
    tile_w = SPRITE_WIDTH
    tile_h = even(SPRITE_WIDTH * height / width)
    return tiles, columns, rows, tile_w, tile_h


def _vtt_time(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def sprite_vtt(duration: float, width: int, height: int, image: str = SPRITE) -> str:
    """The WebVTT index of the sprite: one cue per thumbnail, its text the sprite's
    name with the tile's ``#xywh=`` fragment (what players' seek previews read)."""
    interval = sprite_interval(duration)
    tiles, columns, _, tile_w, tile_h = sprite_layout(duration, width, height)
    lines = ["WEBVTT", ""]
    for i in range(tiles):
        start = i * interval
        end = min((i + 1) * interval, duration)
        if end <= start:
            break
        x, y = (i % columns) * tile_w, (i // columns) * tile_h
        lines += [
            f"{_vtt_time(start)} --> {_vtt_time(end)}",
            f"{image}#xywh={x},{y},{tile_w},{tile_h}",
            "",
        ]
    return "\n".join(lines)


@dataclass
class Job:
    """Everything the command needs. ``out_dir`` receives the files to publish;
    ``key_info`` is the path of ffmpeg's key info file (outside ``out_dir``)."""

    source: str
    demuxer: str
    out_dir: str
    key_info: str
    duration: float
    segment_s: int
    fps: float = 30.0
    width: int | None = None
    height: int | None = None
    has_video: bool = True
    has_audio: bool = True
    max_height: int = 1080
    preset: str = PRESET
    threads: int = 0
    rungs: list[Rung] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.rungs:
            self.rungs = (
                ladder(self.width, self.height, self.max_height)
                if self.has_video
                else audio_rungs()
            )


def poster_time(duration: float) -> float:
    if duration >= 10:
        return duration * 0.1
    return min(1.0, duration / 2)


def command(job: Job) -> list[str]:
    """The arguments of ffmpeg (after the executable) for ``job``."""
    args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1"]
    args += ["-nostats", "-stats_period", "0.5"]
    args += ["-protocol_whitelist", "file", "-f", job.demuxer]
    args += ["-i", "file:" + os.path.abspath(job.source)]
    seg = job.segment_s
    maps: list[str] = []
    codecs: list[str] = []
    stream_map: list[str] = []
    if job.has_video:
        n = len(job.rungs)
        labels = [f"[v{i}]" for i in range(n)]
        graph = [f"[0:v:0]split={n}{''.join(labels)}" if n > 1 else "[0:v:0]null[v0]"]
        for i, rung in enumerate(job.rungs):
            graph.append(
                f"[v{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,"
                f"format=yuv420p[o{i}]"
            )
        args += ["-filter_complex", ";".join(graph)]
        gop = max(1, round(job.fps * seg))
        for i, rung in enumerate(job.rungs):
            maps += ["-map", f"[o{i}]"]
            kbps = rung.video_kbps
            codecs += [
                f"-c:v:{i}",
                "libx264",
                f"-b:v:{i}",
                f"{kbps}k",
                f"-maxrate:v:{i}",
                f"{round(kbps * 1.07)}k",
                f"-bufsize:v:{i}",
                f"{round(kbps * 1.5)}k",
            ]
        codecs += ["-preset", job.preset, "-profile:v", "high", "-g", str(gop)]
        codecs += ["-keyint_min", str(gop), "-sc_threshold", "0"]
        codecs += ["-force_key_frames", f"expr:gte(t,n_forced*{seg})"]
        if job.has_audio:
            maps += ["-map", "0:a:0"]
            codecs += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2"]
            stream_map.append("a:0,agroup:audio,name:audio")
            stream_map += [
                f"v:{i},agroup:audio,name:{rung.name}" for i, rung in enumerate(job.rungs)
            ]
        else:
            stream_map += [f"v:{i},name:{rung.name}" for i, rung in enumerate(job.rungs)]
    else:
        for i, rung in enumerate(job.rungs):
            maps += ["-map", "0:a:0"]
            codecs += [f"-c:a:{i}", "aac", f"-b:a:{i}", f"{rung.audio_kbps}k"]
            stream_map.append(f"a:{i},name:{rung.name}")
        codecs += ["-ac", "2"]
    if job.threads:
        codecs += ["-threads", str(job.threads)]
    out = os.path.abspath(job.out_dir)
    args += maps + codecs
    args += ["-f", "hls", "-hls_time", str(seg), "-hls_playlist_type", "vod"]
    # periodic_rekey: ffmpeg reads the key info file again for every segment, which is
    # what gives each segment its own IV (its sequence number); without it one IV (0)
    # is written once and used for every segment
    args += ["-hls_flags", "independent_segments+periodic_rekey", "-hls_list_size", "0"]
    args += ["-hls_key_info_file", job.key_info]
    args += ["-hls_segment_filename", os.path.join(out, "%v", "seg_%05d.ts")]
    args += ["-master_pl_name", MASTER, "-var_stream_map", " ".join(stream_map)]
    args.append(os.path.join(out, "%v", PLAYLIST))
    return args


def stills_command(job: Job) -> list[str]:
    """The arguments of the short second run of a video (after the executable): the
    poster, a frame of the source at :func:`poster_time` scaled to the top rung (the
    input seeks there), and the sprite, made from the source's keyframes only
    (``-discard nokey``: the demuxer hands the decoder keyframes only, and a tile
    shows the last keyframe at or before its time; the decoder's own ``-skip_frame
    nokey`` loses the only frame of a short clip to frame threading)."""
    top = job.rungs[-1]
    _, columns, rows, tile_w, tile_h = sprite_layout(job.duration, top.width, top.height)
    source = "file:" + os.path.abspath(job.source)
    args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    args += ["-protocol_whitelist", "file", "-discard", "nokey", "-f", job.demuxer]
    args += ["-i", source]
    args += ["-protocol_whitelist", "file", "-ss", f"{poster_time(job.duration):.3f}"]
    args += ["-f", job.demuxer, "-i", source]
    graph = [
        # the last keyframe is cloned to the end (tpad), then one frame per interval up
        # to the duration: exactly the tiles of sprite_layout, whatever the keyframes
        f"[0:v:0]tpad=stop_mode=clone:stop_duration={job.duration:.3f},"
        f"fps=1/{sprite_interval(job.duration)},trim=end={job.duration:.3f},"
        f"scale={tile_w}:{tile_h},setsar=1,tile={columns}x{rows}[sprite]",
        f"[1:v:0]scale={top.width}:{top.height},setsar=1[poster]",
    ]
    args += ["-filter_complex", ";".join(graph)]
    out = os.path.abspath(job.out_dir)
    args += ["-map", "[poster]", "-frames:v", "1", "-q:v", "3", os.path.join(out, POSTER)]
    args += ["-map", "[sprite]", "-frames:v", "1", "-q:v", "5", os.path.join(out, SPRITE)]
    return args


def key_info_text(key_path: str, uri: str = KEY_URI_PLACEHOLDER) -> str:
    """ffmpeg's key info file: the key URI written into the playlists, then the path
    of the file holding the 16 bytes of the key. No IV line: with the
    ``periodic_rekey`` flag each segment gets its own IV, its sequence number, written
    as an explicit ``IV=`` on the key tag before it."""
    return f"{uri}\n{os.path.abspath(key_path)}\n"
