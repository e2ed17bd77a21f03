"""Audio and video: durations of every accepted type, picture sizes.

The files are made by the ffmpeg of imageio-ffmpeg (a few kB each, once per module):
4 s videos of 160x90 and 3 s audio clips, uploaded through the API.
"""

from __future__ import annotations

import subprocess

import pytest

VIDEO = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-t", "4"]
TONE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "3"]
H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]

#: file name -> (sniffed type, ffmpeg arguments, seconds, (width, height) for video)
SAMPLES = {
    "clip.mp4": (
        "video/mp4",
        [*VIDEO, "-f", "lavfi", "-i", "sine=sample_rate=16000", "-t", "4", *H264, "-c:a", "aac"],
        4,
        (160, 90),
    ),
    "clip.mov": ("video/quicktime", [*VIDEO, *H264], 4, (160, 90)),
    "clip.webm": ("video/webm", [*VIDEO, "-c:v", "libvpx", "-b:v", "100k"], 4, (160, 90)),
    "clip.mkv": ("video/x-matroska", [*VIDEO, *H264], 4, (160, 90)),
    "talk.mp3": ("audio/mpeg", [*TONE, "-c:a", "libmp3lame"], 3, None),
    "talk.m4a": ("audio/mp4", [*TONE, "-c:a", "aac"], 3, None),
    "talk.aac": ("audio/aac", [*TONE, "-c:a", "aac", "-f", "adts"], 3, None),
    "talk.opus": ("audio/ogg", [*TONE, "-c:a", "libopus"], 3, None),
    "talk.ogg": ("audio/ogg", [*TONE, "-c:a", "libvorbis"], 3, None),
    "talk.wav": ("audio/wav", [*TONE], 3, None),
    "talk.flac": ("audio/flac", [*TONE], 3, None),
}


@pytest.fixture(scope="module")
def ffmpeg_exe():
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg makes the clips")
    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def make_file(ffmpeg_exe, tmp_path_factory):
    """``make_file(name, arguments)``: the bytes ffmpeg writes (made once per module)."""
    folder = tmp_path_factory.mktemp("av")
    made: dict[str, bytes] = {}

    def make(name: str, arguments: list[str]) -> bytes:
        if name not in made:
            target = folder / name
            command = [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
            result = subprocess.run(
                [*command, *arguments, str(target)], capture_output=True, timeout=120
            )
            if result.returncode != 0:  # a build of ffmpeg without this encoder
                pytest.skip(f"ffmpeg cannot make {name}: {result.stderr.decode()[-200:]}")
            made[name] = target.read_bytes()
        return made[name]

    return make


@pytest.fixture(scope="module")
def sample(make_file):
    return lambda name: make_file(name, SAMPLES[name][1])


# ----------------------------------------------------------------- durations


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_accepted_audio_and_video_type_gets_its_duration(
    name, sample, tenant, user_factory, upload
):
    content_type, _, seconds, size = SAMPLES[name]
    r = upload(tenant, user_factory(tenant, "instructor"), name, sample(name))
    assert r.status_int == 201, r.text
    asset = r.json
    assert asset["content_type"] == content_type and asset["status"] == "ready"
    assert asset["duration_s"] is not None and abs(asset["duration_s"] - seconds) <= 1
    if size is None:
        assert asset["kind"] == "audio" and asset["width"] is None and asset["height"] is None
    else:
        assert asset["kind"] == "video" and (asset["width"], asset["height"]) == size


def test_a_rotated_phone_video_is_portrait(make_file, tenant, user_factory, upload):
    """A phone films landscape pixels and a rotation: the size is what a player
    shows (portrait)."""
    import tempfile

    clip = make_file("clip.mp4", SAMPLES["clip.mp4"][1])
    with tempfile.NamedTemporaryFile(suffix=".mp4") as source:
        source.write(clip)
        source.flush()
        rotated = make_file(
            "portrait.mp4", ["-display_rotation:v:0", "90", "-i", source.name, "-c", "copy"]
        )
    owner = user_factory(tenant, "instructor")
    asset = upload(tenant, owner, "portrait.mp4", rotated).json
    assert (asset["width"], asset["height"]) == (90, 160)


def test_ffmpeg_output_is_read_carefully():
    from learninghub_media.ffmpeg import MediaInfo, parse_info

    mp3 = """Input #0, mp3, from 'x':
  Duration: 01:02:03.50, start: 0.025057, bitrate: 128 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 128 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 600x600 [SAR 1:1 DAR 1:1], 90k tbr (attached pic)
"""
    assert parse_info(mp3, video=False) == MediaInfo(3723.5, None, None)
    assert parse_info(mp3, video=True) == MediaInfo(3723.5, None, None)  # a cover is no picture
    anamorphic = """  Duration: N/A, start: 0.000000, bitrate: N/A
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv), 720x576 [SAR 16:11 DAR 20:11], 25 fps
      Side data:
        displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo
"""
    assert parse_info(anamorphic, video=True) == MediaInfo(None, 576, 1047)
    webm = "  Duration: 00:00:04.00\n  Stream #0:0: Video: vp8, yuv420p, 160x90, SAR 1:1 DAR 16:9\n"
    assert parse_info(webm, video=True) == MediaInfo(4.0, 160, 90)
    assert parse_info("garbage", video=True) == MediaInfo()


def test_rounding():
    from learninghub_media.probe import whole_seconds

    assert [whole_seconds(d) for d in (None, 0, -1, 0.2, 1.49, 1.5, 3.07, 199.6)] == [
        None,
        None,
        None,
        1,
        1,
        2,
        3,
        200,
    ]


def test_without_a_container_duration_the_packets_tell(sample, tmp_path):
    """Browser recordings (MediaRecorder WebM) say ``Duration: N/A``: the packets are
    read without decoding and the last timestamp counts."""
    from learninghub_media.ffmpeg import demuxed_duration

    path = tmp_path / "clip.webm"
    path.write_bytes(sample("clip.webm"))
    assert demuxed_duration("video/webm", str(path)) == pytest.approx(4, abs=0.5)
    assert demuxed_duration("application/pdf", str(path)) is None


def test_without_ffmpeg_headers_still_give_durations_and_uploads_work(
    sample, tenant, user_factory, upload, monkeypatch
):
    from learninghub_media import ffmpeg

    monkeypatch.setattr(ffmpeg, "executable", lambda: None)
    owner = user_factory(tenant, "instructor")
    assert upload(tenant, owner, "talk.wav", sample("talk.wav")).json["duration_s"] == 3
    assert upload(tenant, owner, "talk.m4a", sample("talk.m4a")).json["duration_s"] == 3
    video = upload(tenant, owner, "clip.webm", sample("clip.webm"))
    assert video.status_int == 201 and video.json["duration_s"] is None


def test_a_video_ffmpeg_cannot_read_is_kept_without_duration(
    tenant, user_factory, upload, client, stored
):
    owner = user_factory(tenant, "instructor")
    broken = b"\x1a\x45\xdf\xa3" + b"webm" + bytes(range(256)) * 8
    r = upload(tenant, owner, "broken.webm", broken)
    assert r.status_int == 201 and r.json["status"] == "ready" and r.json["duration_s"] is None
    assert client(tenant, owner).get(r.json["url"] + "?links=true").json["file_url"]
    assert stored(tenant) == [f"media/assets/{r.json['id']}/original"]
