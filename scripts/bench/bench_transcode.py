"""Benchmark the platform's transcoding against one hand-written ffmpeg command.

Usage: .venv/bin/python scripts/bench/bench_transcode.py [--seconds 60] [--runs 1]

Generates a ``--seconds`` 1080p30 clip (lavfi ``testsrc2`` + a sine tone, encoded once
to H.264/AAC MP4), then times alternately:

* **platform**: ``learninghub_streaming.transcoding.services.transcode`` on a real app
  (SQLite, local storage, every plugin enabled for one tenant): claim transaction,
  probe, the one ffmpeg process (1080/720/360p ladder, AAC, AES-128 HLS, poster,
  sprite), progress writes, storing every file, the publishing transaction;
* **raw**: one hand-written ffmpeg command producing the same ladder (same preset,
  bitrates, GOP, segments and encryption), no poster or sprite, written to a local
  directory.

Prints both wall times and their ratio (the issue's goal: at most 1.10), and the CPU
time of the ffmpeg processes of each side (probe and stills included for the platform),
which a busy machine blurs much less than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SEGMENT = 4


def make_clip(path: str, seconds: int) -> None:
    subprocess.run(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
        ],
        check=True,
    )  # fmt: skip


def raw_command(source: str, out: str, key_info: str) -> list[str]:
    """The ladder as one would write it by hand (what the platform must keep up with)."""
    graph = (
        "[0:v]split=3[a][b][c];[a]scale=640:360[v0];[b]scale=1280:720[v1];[c]scale=1920:1080[v2]"
    )
    return [
        FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", source,
        "-filter_complex", graph, "-map", "[v0]", "-map", "[v1]", "-map", "[v2]", "-map", "0:a:0",
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
        "-b:v:0", "800k", "-maxrate:v:0", "856k", "-bufsize:v:0", "1200k",
        "-b:v:1", "2800k", "-maxrate:v:1", "2996k", "-bufsize:v:1", "4200k",
        "-b:v:2", "5000k", "-maxrate:v:2", "5350k", "-bufsize:v:2", "7500k",
        "-g", str(30 * SEGMENT), "-keyint_min", str(30 * SEGMENT), "-sc_threshold", "0",
        "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT})",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2",
        "-f", "hls", "-hls_time", str(SEGMENT), "-hls_playlist_type", "vod",
        "-hls_key_info_file", key_info,
        "-hls_segment_filename", os.path.join(out, "%v", "seg_%05d.ts"),
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", "a:0,agroup:audio v:0,agroup:audio v:1,agroup:audio v:2,agroup:audio",
        os.path.join(out, "%v", "index.m3u8"),
    ]  # fmt: skip


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far: the
    ffmpeg runs. Steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_raw(source: str, workdir: str) -> tuple[float, float]:
    out = os.path.join(workdir, f"raw-{uuid.uuid4().hex}")
    os.makedirs(out)
    key = os.path.join(workdir, "raw.key")
    with open(key, "wb") as file:
        file.write(os.urandom(16))
    info = os.path.join(workdir, "raw.keyinfo")
    with open(info, "w") as file:
        file.write(f"streaming-key\n{key}\n")
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run(raw_command(source, out, info), check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(out)
    return elapsed, children_cpu() - cpu


class Platform:
    """A real app on SQLite with one tenant and the clip as a ready media asset."""

    def __init__(self, workdir: str, source: str) -> None:
        from learninghub import configure
        from learninghub.config import collect_settings
        from learninghub.db import make_engine
        from learninghub.migrate import upgrade
        from learninghub.testing.plugin import make_test_settings

        raw = make_test_settings(workdir, f"sqlite:///{workdir}/bench.sqlite")
        raw["db.rls"] = "false"
        settings = collect_settings(raw, environ={})
        engine = make_engine(settings)
        upgrade(settings, engine=engine)
        self.registry = configure(raw, engine=engine, environ={}).registry
        self.source = source
        self._tenant()

    def _session(self):
        from learninghub.db import system_session

        session = self.registry["db.session_factory"]()
        system_session(session)
        return session

    def _tenant(self) -> None:
        from learninghub.db import bind_tenant
        from learninghub.plugins import TenantPlugins
        from learninghub.tenancy import Tenant

        db = self._session()
        tenant = Tenant(slug="bench", name="Bench")
        db.add(tenant)
        db.flush()
        bind_tenant(db, tenant.id)
        TenantPlugins(self.registry, db, tenant).enable_many(self.registry["plugins"].order)
        db.commit()
        self.tenant_id = tenant.id
        db.close()
        self.registry["tenancy.resolver"].invalidate()

    def new_stream(self) -> uuid.UUID:
        import hashlib

        from learninghub.db import utcnow
        from learninghub_media.models import MediaAsset
        from learninghub_media.storage import original_key, storage_for
        from learninghub_streaming.transcoding.models import Stream

        asset_id = uuid.uuid4()
        with open(self.source, "rb") as file:
            data = file.read()
        storage_for(self.registry).save(self.tenant_id, original_key(asset_id), data)
        db = self._session()
        db.add(
            MediaAsset(
                id=asset_id, tenant_id=self.tenant_id, filename="bench.mp4",
                content_type="video/mp4", size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), storage_key=original_key(asset_id),
                status="ready", created_at=utcnow(),
            )
        )  # fmt: skip
        db.flush()
        stream = Stream(
            tenant_id=self.tenant_id, asset_id=asset_id, status="queued", segment_s=SEGMENT
        )
        db.add(stream)
        db.commit()
        stream_id = stream.id
        db.close()
        return stream_id

    def run(self) -> tuple[float, float]:
        from learninghub_streaming.transcoding import services

        stream_id = self.new_stream()
        tenant = self.registry["tenancy.resolver"].by_id(self.tenant_id)
        cpu, started = children_cpu(), time.perf_counter()
        outcome = services.transcode(self.registry, tenant, stream_id)
        elapsed = time.perf_counter() - started
        if outcome != "ready":
            sys.exit(f"the platform's transcode ended {outcome}")
        return elapsed, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="lh-bench-transcode-")
    try:
        source = os.path.join(workdir, "clip1080p30.mp4")
        print(f"generating a {args.seconds} s 1080p30 clip...", flush=True)
        make_clip(source, args.seconds)
        platform = Platform(workdir, source)
        raw_times, platform_times, raw_cpu, platform_cpu = [], [], [], []
        for run in range(args.runs):
            wall, cpu = time_raw(source, workdir)
            raw_times.append(wall)
            raw_cpu.append(cpu)
            wall, cpu = platform.run()
            platform_times.append(wall)
            platform_cpu.append(cpu)
            print(
                f"run {run + 1}: raw ffmpeg {raw_times[-1]:.2f} s (ffmpeg CPU {raw_cpu[-1]:.1f} s), "
                f"platform {platform_times[-1]:.2f} s (ffmpeg CPU {platform_cpu[-1]:.1f} s)",
                flush=True,
            )
        raw, ours = min(raw_times), min(platform_times)
        print(
            f"load average       : {os.getloadavg()[0]:.2f} (a busy machine blurs the wall times)"
        )
        print(f"raw ffmpeg command : {raw:.2f} s, ffmpeg CPU {min(raw_cpu):.1f} s")
        print(
            f"platform transcode : {ours:.2f} s, ffmpeg CPU {min(platform_cpu):.1f} s "
            "(probe, ladder, poster, sprite, storage, DB)"
        )
        print(f"ratio (wall)       : {ours / raw:.3f} (goal <= 1.10)")
        print(f"ratio (ffmpeg CPU) : {min(platform_cpu) / min(raw_cpu):.3f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
