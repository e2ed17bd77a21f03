"""Audio and video: durations of every accepted type, picture sizes, video posters.

The files are made by the ffmpeg of imageio-ffmpeg (a few kB each, once per module):
4 s videos of 160x90 and 3 s audio clips, uploaded through the API.
"""

from __future__ import annotations

import io
import subprocess
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from learninghub.hookspecs import hookimpl

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


def image_size(data: bytes) -> tuple[str, tuple[int, int]]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size


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


def test_a_rotated_phone_video_is_portrait(make_file, tenant, user_factory, upload, client):
    """A phone films landscape pixels and a rotation: the size and the poster are
    what a player shows (portrait)."""
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
    poster = client(tenant, owner).get(asset["url"] + "?links=true").json["poster_url"]
    assert image_size(client(tenant, owner).get(poster).body) == ("WEBP", (90, 160))


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


def test_rounding_and_where_the_poster_is_taken():
    from learninghub_media.probe import whole_seconds
    from learninghub_media.tasks import poster_time

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
    assert poster_time(None) == 1.0 and poster_time(4) == 1.0 and poster_time(1) == 0.5
    assert poster_time(600) == 60.0 and poster_time(10) == 1.0


def test_without_a_container_duration_the_packets_tell(sample, tmp_path):
    """Browser recordings (MediaRecorder WebM) say ``Duration: N/A``: the packets are
    read without decoding and the last timestamp counts."""
    from learninghub_media.ffmpeg import demuxed_duration

    path = tmp_path / "clip.webm"
    path.write_bytes(sample("clip.webm"))
    assert demuxed_duration("video/webm", str(path)) == pytest.approx(4, abs=0.5)
    assert demuxed_duration("application/pdf", str(path)) is None


def test_without_ffmpeg_headers_still_give_durations_and_uploads_work(
    sample, tenant, user_factory, upload, client, monkeypatch
):
    from learninghub_media import ffmpeg

    monkeypatch.setattr(ffmpeg, "executable", lambda: None)
    owner = user_factory(tenant, "instructor")
    assert upload(tenant, owner, "talk.wav", sample("talk.wav")).json["duration_s"] == 3
    assert upload(tenant, owner, "talk.m4a", sample("talk.m4a")).json["duration_s"] == 3
    video = upload(tenant, owner, "clip.webm", sample("clip.webm"))
    assert video.status_int == 201 and video.json["duration_s"] is None
    assert client(tenant, owner).get(video.json["url"] + "?links=true").json["poster_url"] is None


def test_a_video_ffmpeg_cannot_read_is_kept_without_duration_or_poster(
    tenant, user_factory, upload, client, stored
):
    owner = user_factory(tenant, "instructor")
    broken = b"\x1a\x45\xdf\xa3" + b"webm" + bytes(range(256)) * 8
    r = upload(tenant, owner, "broken.webm", broken)
    assert r.status_int == 201 and r.json["status"] == "ready" and r.json["duration_s"] is None
    links = client(tenant, owner).get(r.json["url"] + "?links=true").json
    assert links["poster_url"] is None and links["file_url"]
    assert stored(tenant) == [f"media/assets/{r.json['id']}/original"]


# ----------------------------------------------------------------- posters


@pytest.fixture
def video(sample, tenant, user_factory, upload):
    owner = user_factory(tenant, "instructor")
    r = upload(tenant, owner, "clip.mp4", sample("clip.mp4"))
    assert r.status_int == 201, r.text
    return owner, r.json


def test_a_video_gets_a_poster_of_its_aspect_after_commit(tenant, client, video, stored):
    owner, asset = video
    assert asset["poster_url"] is None  # made by the task after the upload's commit
    assert f"media/assets/{asset['id']}/poster" in stored(tenant)
    links = client(tenant, owner).get(asset["url"] + "?links=true").json
    assert links["thumbnail_url"] is None and links["poster_url"]
    r = client(tenant, owner).get(links["poster_url"])
    assert r.status_int == 200 and r.content_type == "image/webp"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"] == "inline"
    assert image_size(r.body) == ("WEBP", (160, 90))  # 16:9 like the video


def test_poster_task_is_idempotent(registry, tenant, client, video, stored):
    from learninghub.tasks import run_task

    owner, asset = video
    url = client(tenant, owner).get(asset["url"] + "?links=true").json["poster_url"]
    before = client(tenant, owner).get(url).body
    keys = stored(tenant)
    for asset_id in (asset["id"], "junk", str(uuid.uuid4())):
        assert run_task(registry, "media.make_poster", str(tenant.id), {"asset_id": asset_id})
    assert stored(tenant) == keys and client(tenant, owner).get(url).body == before


def test_audio_and_images_get_no_poster(
    registry, tenant, user_factory, upload, sample, samples, stored
):
    from learninghub.tasks import run_task

    owner = user_factory(tenant, "instructor")
    for name, data in (("talk.mp3", sample("talk.mp3")), ("a.png", samples.png())):
        asset = upload(tenant, owner, name, data).json
        run_task(registry, "media.make_poster", str(tenant.id), {"asset_id": asset["id"]})
        assert not any(key.endswith("/poster") for key in stored(tenant))


def test_poster_url_is_for_those_who_may_see_the_video(
    tenant, other_tenant, user_factory, client, video, lesson_access
):
    owner, asset = video
    url = client(tenant, owner).get(asset["url"] + "?links=true").json["poster_url"]
    learner = user_factory(tenant, "learner")
    # a learner without access to the lesson: no metadata, and the owner's URL is refused
    assert client(tenant, learner).get(asset["url"] + "?links=true").status_int == 404
    assert client(tenant, learner).get(url).status_int == 403
    assert client(tenant, user_factory(tenant, "admin")).get(url).status_int == 403
    assert client(tenant).get(url).status_int == 403  # anonymous
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url.replace(tenant.host, other_tenant.host)).status_int == 404
    # once the lesson is theirs (the content plugin answers the hook), their own URL works
    lesson_access.allowed.add(asset["id"])
    theirs = client(tenant, learner).get(asset["url"] + "?links=true").json["poster_url"]
    assert client(tenant, learner).get(theirs).status_int == 200


def test_poster_signatures_are_checked(tenant, client, video, monkeypatch):
    owner, asset = video
    c = client(tenant, owner)
    links = c.get(asset["url"] + "?links=true").json
    url = links["poster_url"]
    query = parse_qs(urlsplit(url).query)
    # the file's or the thumbnail's signature does not open the poster
    file_sig = parse_qs(urlsplit(links["file_url"]).query)["sig"][0]
    assert c.get(url.replace(query["sig"][0], file_sig)).status_int == 403
    assert c.get(url.split("?")[0]).status_int == 403
    assert c.get(url.replace(asset["id"], str(uuid.uuid4()))).status_int == 404
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    assert c.get(url).status_int == 403


def test_deleting_a_video_deletes_its_poster(tenant, client, video, stored):
    owner, asset = video
    assert len(stored(tenant)) == 2
    assert client(tenant, owner).delete(asset["url"]).status_int == 204
    assert stored(tenant) == []


def test_poster_url_service_and_template_global(registry, tenant, video, db):
    from learninghub.db import bind_tenant, system_session
    from learninghub.tasks import make_tenant_request
    from learninghub_media import services

    owner, asset = video
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), None)
    request.__dict__["db"] = db
    bind_tenant(db, tenant.id)
    try:
        request.__dict__["_lh_identity"] = owner
        found = services.get_asset(db, asset["id"])
        url = services.poster_url(request, found)
        assert f"/media/{asset['id']}/poster?exp=" in url
        assert services.poster_url_for(request, asset["id"]) == url
        assert services.poster_url_for(request, None) is None
        assert services.poster_url_for(request, uuid.uuid4()) is None
        assert registry["templates"].globals["media_poster_url"] is services.poster_url_for
    finally:
        system_session(db)


class _Access:
    """Stands for the content plugin: learners of a lesson may see its video."""

    def __init__(self):
        self.allowed: set[str] = set()

    @hookimpl
    def learninghub_media_can_access(self, request, asset):
        return True if str(asset.id) in self.allowed else None


@pytest.fixture
def lesson_access(registry):
    impl = _Access()
    registry["plugins"].pm.register(impl, name="test-media-av-access")
    yield impl
    registry["plugins"].pm.unregister(name="test-media-av-access")


def test_describe_command_fills_in_what_older_uploads_lack(
    registry, db, tenant, user_factory, upload, sample, stored, monkeypatch
):
    """Assets uploaded while ffmpeg was missing (or before it probed every type) get
    their duration, size and poster from ``learninghub media describe``."""
    from click.testing import CliRunner

    from learninghub.cli import Env
    from learninghub.db import bind_tenant, system_session
    from learninghub_media import ffmpeg
    from learninghub_media.cli import media
    from learninghub_media.models import MediaAsset

    class AppEnv(Env):
        def __init__(self, registry):
            super().__init__("unused.ini")
            self._registry = registry

        @property
        def registry(self):
            return self._registry

    owner = user_factory(tenant, "instructor")
    with monkeypatch.context() as patch:
        patch.setattr(ffmpeg, "executable", lambda: None)
        clip = upload(tenant, owner, "clip.webm", sample("clip.webm")).json
        talk = upload(tenant, owner, "talk.opus", sample("talk.opus")).json
    assert clip["duration_s"] is None and talk["duration_s"] is None
    assert not any(key.endswith("/poster") for key in stored(tenant))
    runner = CliRunner()
    r = runner.invoke(media, ["describe", "--tenant", tenant.slug], obj=AppEnv(registry))
    assert r.exit_code == 0, r.output
    assert f"{tenant.slug}: 2 asset(s) probed, 1 poster(s) queued" in r.output
    assert f"media/assets/{clip['id']}/poster" in stored(tenant)
    bind_tenant(db, tenant.id)
    try:
        video = db.get(MediaAsset, uuid.UUID(clip["id"]))
        db.refresh(video)
        assert (video.duration_s, video.width, video.height) == (4, 160, 90)
        assert db.get(MediaAsset, uuid.UUID(talk["id"])).duration_s == 3
    finally:
        system_session(db)
    again = runner.invoke(media, ["describe", "--tenant", tenant.slug], obj=AppEnv(registry))
    assert f"{tenant.slug}: 0 asset(s) probed, 0 poster(s) queued" in again.output
