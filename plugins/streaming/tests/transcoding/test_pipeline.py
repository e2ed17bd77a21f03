"""The real pipeline on tiny generated clips: ladder, playlists, encryption, keyframes,
progress, failures and crash safety."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass, field

import pytest

from learninghub.secrets import secret_box
from learninghub_streaming.transcoding import services
from learninghub_streaming.transcoding.models import Stream

SEGMENT = 2


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture
def new_stream(db):
    def make(tenant, asset) -> Stream:
        stream = Stream(tenant_id=tenant.id, asset_id=asset.id, status="queued", segment_s=SEGMENT)
        db.add(stream)
        db.flush()
        return stream

    return make


def decrypt_playlist(playlist, key: bytes) -> str:
    """Decrypt the segments of an AES-128 media playlist (HLS: CBC, PKCS#7, the IV of
    the key tag or else the segment's sequence number) and write a clear playlist
    beside it; returns its path. (The ffmpeg of imageio-ffmpeg 7.0.2 crashes in its
    ``crypto`` protocol, so the tests decrypt as a player does, with the standard
    algorithm, and let ffmpeg read the clear segments.)"""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    text = playlist.read_text()
    sequence = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    lines = []
    iv_attr = None
    for line in text.splitlines():
        if line.startswith("#EXT-X-KEY"):
            iv_attr = re.search(r"IV=0x([0-9a-fA-F]{32})", line)
            continue
        if line and not line.startswith("#"):
            iv = bytes.fromhex(iv_attr.group(1)) if iv_attr else sequence.to_bytes(16, "big")
            sequence += 1
            decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            data = decryptor.update((playlist.parent / line).read_bytes()) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            clear = unpadder.update(data) + unpadder.finalize()
            (playlist.parent / f"clear_{line}").write_bytes(clear)
            line = f"clear_{line}"
        lines.append(line)
    out = playlist.with_name("clear.m3u8")
    out.write_text("\n".join(lines) + "\n")
    return str(out)


@pytest.fixture
def fetch(media_storage, registry, tmp_path):
    """``fetch(tenant, stream)``: the published files copied into a local directory,
    each media playlist with a decrypted copy (``<rendition>/clear.m3u8``), decrypted
    with the stream's key unsealed."""

    def copy(tenant, stream: Stream) -> str:
        out = tmp_path / uuid.uuid4().hex
        prefix = stream.published_prefix
        for key in media_storage.list(tenant.id, prefix):
            path = out / key[len(prefix) :]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(media_storage.read(tenant.id, key))
        key = bytes.fromhex(secret_box(registry).open(stream.key_sealed))
        assert len(key) == 16
        for playlist in out.glob("*/index.m3u8"):
            decrypt_playlist(playlist, key)
        return str(out)

    return copy


def ffmpeg(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_ffmpeg(), "-hide_banner", *(["-nostdin"] if stdin is None else []), *args],
        input=stdin,
        capture_output=True,
    )


# The static ffmpeg of imageio-ffmpeg 7.0.2 crashes (SIGSEGV) on every MPEG-TS input,
# its own output included, so the tests demultiplex the segments here (188-byte
# packets, PES headers) and hand ffmpeg the elementary streams to decode.


@dataclass
class Elementary:
    data: bytearray = field(default_factory=bytearray)
    #: PTS (seconds from the first) of the PES packets starting at a random access point
    keyframes: list = field(default_factory=list)
    first_pts: float | None = None


def _pts(p: bytes) -> float:
    value = ((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    return value / 90000


def demux(segments: list[bytes]) -> Elementary:
    """The elementary stream of PID 0x100 (the one stream of each rendition)."""
    es = Elementary()
    for blob in segments:
        assert len(blob) % 188 == 0 and blob[0] == 0x47, "not a transport stream"
        for offset in range(0, len(blob), 188):
            packet = blob[offset : offset + 188]
            assert packet[0] == 0x47
            pid = ((packet[1] & 0x1F) << 8) | packet[2]
            control = (packet[3] >> 4) & 0x3
            index, random_access = 4, False
            if control & 0x2:
                random_access = packet[4] > 0 and bool(packet[5] & 0x40)
                index = 5 + packet[4]
            if pid != 0x100 or not control & 0x1:
                continue
            payload = packet[index:]
            if packet[1] & 0x40:  # a PES starts here
                assert payload[:3] == b"\x00\x00\x01"
                if payload[7] & 0x80:
                    pts = _pts(payload[9:14])
                    if es.first_pts is None:
                        es.first_pts = pts
                    if random_access:
                        es.keyframes.append(round(pts - es.first_pts, 3))
                payload = payload[9 + payload[8] :]
            es.data += payload
    return es


def rendition(directory: str, name: str) -> Elementary:
    playlist = os.path.join(directory, name, "clear.m3u8")
    names = [line for line in open(playlist).read().splitlines() if line and line[0] != "#"]
    return demux([open(os.path.join(directory, name, n), "rb").read() for n in names])


def decoded(data: bytes, fmt: str) -> tuple[int, float]:
    """(video frames, seconds) decoded from the elementary stream, read to its end."""
    result = ffmpeg("-f", fmt, "-i", "pipe:0", "-f", "null", "-progress", "pipe:1", "-", stdin=data)
    assert result.returncode == 0, result.stderr.decode()[-500:]
    text = result.stdout.decode()
    frames = re.findall(r"^frame=(\d+)$", text, re.M)
    times = re.findall(r"^out_time_us=(\d+)$", text, re.M)
    return (int(frames[-1]) if frames else 0), (int(times[-1]) / 1e6 if times else 0.0)


def extinf(path: str) -> list[float]:
    with open(path) as file:
        return [float(v) for v in re.findall(r"^#EXTINF:([\d.]+),", file.read(), re.M)]


def test_720p_source_gives_a_playable_encrypted_ladder_with_aligned_keyframes(
    tenant, user_factory, clips, clip_asset, new_stream, run_task, stream_row, fetch,
    media_storage, monkeypatch,
):  # fmt: skip
    owner = user_factory(tenant, "instructor")
    asset = clip_asset(tenant, clips.video(1280, 720), owner)
    stream = new_stream(tenant, asset)
    seen = []
    original = services.write_progress

    def spy(registry, tenant_, attempt, percent):
        original(registry, tenant_, attempt, percent)
        row = stream_row(stream.id)
        seen.append((row.status, row.progress_percent))

    monkeypatch.setattr(services, "write_progress", spy)
    assert run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id)) == "done"

    row = stream_row(stream.id)
    assert row.status == "ready" and row.progress_percent == 100 and row.error == ""
    assert (row.source_width, row.source_height, row.has_video, row.has_audio) == (
        1280, 720, True, True,
    )  # fmt: skip
    assert row.duration_s == pytest.approx(3.0, abs=0.1)
    assert row.published_prefix.startswith(f"streaming/{asset.id}/")
    # progress was written to the row while ffmpeg ran, then reached 100
    assert seen[-1] == ("processing", 100) or seen[-1][1] == 100
    assert any(status == "processing" and p < 100 for status, p in seen), seen
    assert [p for _, p in seen] == sorted(p for _, p in seen)

    out = fetch(tenant, row)
    master = open(os.path.join(out, "master.m3u8")).read()
    assert "360p/index.m3u8" in master and "720p/index.m3u8" in master
    assert "1080p" not in master  # never above the source
    assert "RESOLUTION=640x360" in master and "RESOLUTION=1280x720" in master
    assert [r["name"] for r in row.renditions] == ["360p", "720p", "audio"]

    keyframes = {}
    for name in ("360p", "720p", "audio"):
        playlist = os.path.join(out, name, "index.m3u8")
        text = open(playlist).read()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text
        assert '#EXT-X-KEY:METHOD=AES-128,URI="streaming-key"' in text
        # one key tag per segment, its IV the segment's sequence number
        ivs = re.findall(r"#EXT-X-KEY:[^\n]*IV=0x([0-9a-fA-F]{32})", text)
        assert [int(iv, 16) for iv in ivs] == list(range(len(extinf(playlist))))
        durations = extinf(playlist)
        assert durations[:-1] == [pytest.approx(SEGMENT, abs=0.05)] * (len(durations) - 1)
        assert 0 < durations[-1] <= SEGMENT + 0.05
        assert sum(durations) == pytest.approx(3.0, abs=0.1)
        es = rendition(out, name)
        if name == "audio":
            _, seconds = decoded(bytes(es.data), "aac")
            assert seconds == pytest.approx(3.0, abs=0.15)
        else:
            frames, _ = decoded(bytes(es.data), "h264")
            assert frames == 90  # 3 s at 30 fps, every frame to the end
            keyframes[name] = es.keyframes
    # the same instants in every rendition: a keyframe at each segment start
    assert keyframes["360p"] == keyframes["720p"] == [0.0, 2.0]

    # a segment is useless without the key: not even a transport stream
    encrypted = open(os.path.join(out, "720p", "seg_00000.ts"), "rb").read()
    with pytest.raises(AssertionError, match="not a transport stream"):
        demux([encrypted])
    blind = ffmpeg(
        "-f", "h264", "-i", "pipe:0", "-f", "null", "-progress", "pipe:1", "-", stdin=encrypted
    )
    assert blind.returncode != 0 or re.findall(rb"^frame=(\d+)$", blind.stdout, re.M)[-1] == b"0"

    # poster, sprite and its WebVTT index
    with open(os.path.join(out, "poster.jpg"), "rb") as file:
        assert file.read(3) == b"\xff\xd8\xff"
    with open(os.path.join(out, "sprite.jpg"), "rb") as file:
        assert file.read(3) == b"\xff\xd8\xff"
    vtt = open(os.path.join(out, "sprite.vtt")).read()
    assert vtt.startswith("WEBVTT")
    assert "sprite.jpg#xywh=0,0,160,90" in vtt and "sprite.jpg#xywh=160,0,160,90" in vtt
    # the key is stored sealed, never beside the segments
    assert not any(
        k.endswith(".bin") or "key" in k
        for k in media_storage.list(tenant.id, row.published_prefix)
    )


def test_audio_source_gives_two_aac_renditions(
    tenant, clips, clip_asset, new_stream, run_task, stream_row, fetch
):
    asset = clip_asset(tenant, clips.audio(), content_type="audio/mpeg")
    stream = new_stream(tenant, asset)
    run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id))
    row = stream_row(stream.id)
    assert row.status == "ready", row.error
    assert (row.has_video, row.has_audio) == (False, True)
    assert [(r["name"], r["bandwidth"]) for r in row.renditions] == [
        ("aac64", 64000),
        ("aac128", 128000),
    ]
    out = fetch(tenant, row)
    master = open(os.path.join(out, "master.m3u8")).read()
    assert "aac64/index.m3u8" in master and "aac128/index.m3u8" in master
    _, seconds = decoded(bytes(rendition(out, "aac128").data), "aac")
    assert seconds == pytest.approx(3.0, abs=0.15)
    assert not os.path.exists(os.path.join(out, "poster.jpg"))


def test_corrupt_upload_fails_with_ffmpegs_message(
    tenant, clips, clip_asset, new_stream, run_task, stream_row, media_storage
):
    asset = clip_asset(tenant, clips.corrupt())
    stream = new_stream(tenant, asset)
    run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id))
    row = stream_row(stream.id)
    assert row.status == "failed" and row.attempts == 1
    assert "moov atom not found" in row.error or "Invalid data" in row.error, row.error
    assert row.published_prefix == "" and row.finished_at is not None
    assert media_storage.list(tenant.id, services.asset_prefix(asset.id)) == []


def test_killed_worker_publishes_nothing_and_the_retry_completes(
    tenant, clips, clip_asset, new_stream, run_task, stream_row, media_storage, monkeypatch
):
    asset = clip_asset(tenant, clips.video())
    stream = new_stream(tenant, asset)
    original = services.store_files

    class WorkerLost(BaseException):
        pass

    def dies_midway(storage, tenant_id, prefix, directory):
        saved = []

        class Dying:
            def save(self, *args, **kwargs):
                if len(saved) == 3:
                    raise WorkerLost()
                saved.append(args[1])
                return storage.save(*args, **kwargs)

        return original(Dying(), tenant_id, prefix, directory)

    monkeypatch.setattr(services, "store_files", dies_midway)
    with pytest.raises(WorkerLost):
        run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id))
    row = stream_row(stream.id)
    assert row.status == "processing" and row.published_prefix == "" and row.attempts == 1
    orphans = media_storage.list(tenant.id, services.asset_prefix(asset.id))
    assert len(orphans) == 3  # half-written, referenced by nothing

    monkeypatch.setattr(services, "store_files", original)
    run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id))  # redelivery
    row = stream_row(stream.id)
    assert row.status == "ready" and row.attempts == 2
    assert [r["name"] for r in row.renditions] == ["360p", "audio"]  # no upscale
    left = media_storage.list(tenant.id, services.asset_prefix(asset.id))
    assert left and all(k.startswith(row.published_prefix) for k in left)
    assert not set(orphans) & set(left)
    # a ready stream is left alone when the task comes again
    run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id))
    assert stream_row(stream.id).attempts == 2


def _ffmpeg_children(alive_only: bool = False) -> list[int]:
    """Pids of this process's ffmpeg children (from /proc), zombies excluded when
    ``alive_only``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == os.getpid() and "ffmpeg" in name and not (alive_only and state == "Z"):
            pids.append(int(entry))
    return pids


def test_worker_killed_while_ffmpeg_runs_leaves_nothing_and_redelivery_completes(
    tenant, clips, clip_asset, new_stream, run_task, stream_row, media_storage, monkeypatch
):
    """The worker dies at its first progress report, ffmpeg half-way through the ladder:
    ffmpeg is killed with it, nothing is stored or published, and the redelivered task
    completes a new attempt."""
    asset = clip_asset(tenant, clips.video(1280, 720))
    stream = new_stream(tenant, asset)
    original = services.write_progress
    children = []

    class WorkerLost(BaseException):
        pass

    def dies(registry, tenant_, attempt, percent):
        children.extend(_ffmpeg_children())
        assert children, "ffmpeg should be running"
        raise WorkerLost()

    monkeypatch.setattr(services, "write_progress", dies)
    with pytest.raises(WorkerLost):
        run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id))
    assert not set(children) & set(_ffmpeg_children(alive_only=True))  # killed and reaped
    row = stream_row(stream.id)
    assert (row.status, row.published_prefix, row.attempts) == ("processing", "", 1)
    assert media_storage.list(tenant.id, services.asset_prefix(asset.id)) == []

    monkeypatch.setattr(services, "write_progress", original)
    assert run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id)) == "done"
    row = stream_row(stream.id)
    assert (row.status, row.attempts, row.progress_percent) == ("ready", 2, 100)
    assert [r["name"] for r in row.renditions] == ["360p", "720p", "audio"]
