"""``GET /streaming/hls/{scope}/{stream_id}/{exp}/{sig}/{path}``: the signed files of a
ready stream, through the WSGI app, on real transcoded streams."""

from __future__ import annotations

import posixpath
import re

from learninghub_streaming.playback import services

PROBLEM = "application/problem+json"


def _dir(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/"


def crawl(http, master_url: str, hls) -> dict[str, object]:
    """Every URL reachable from the master (playlists and segments) → its response."""
    seen: dict[str, object] = {}
    todo = [master_url]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        response = http.get(url)
        seen[url] = response
        assert response.status_int == 200, (url, response.status, response.text[:200])
        if url.endswith(".m3u8"):
            for uri in hls.playlist_uris(response.text):
                todo.append(posixpath.normpath(_dir(url) + uri))
    return seen


def test_master_lists_every_rendition(world, signed, client):
    http = client(world.tenant, world.learner)
    response = http.get(signed(world, world.learner, services.master_url))
    assert response.status_int == 200
    assert response.content_type == "application/vnd.apple.mpegurl"
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    text = response.text
    for rendition in world.stream.renditions:
        assert rendition["playlist"] in text
    assert "RESOLUTION=640x360" in text
    assert "TYPE=SUBTITLES" not in text and "SUBTITLES=" not in text  # no track yet


def test_master_lists_subtitle_renditions_when_captions_exist(world, signed, client, add_caption):
    english = add_caption(world, "en", label='English "CC"\nline')
    french = add_caption(world, "fr")
    text = (
        client(world.tenant, world.learner)
        .get(signed(world, world.learner, services.master_url))
        .text
    )
    media = [line for line in text.splitlines() if "TYPE=SUBTITLES" in line]
    assert len(media) == 2
    assert f'URI="subs/{english.id}.m3u8"' in media[0]
    assert 'GROUP-ID="subs"' in media[0] and 'LANGUAGE="en"' in media[0]
    assert "DEFAULT=YES" in media[0] and "AUTOSELECT=YES" in media[0]
    assert "NAME=\"English 'CC' line\"" in media[0]  # quotes and line breaks cannot escape
    assert f'URI="subs/{french.id}.m3u8"' in media[1] and "DEFAULT=NO" in media[1]
    assert 'NAME="français"' in media[1]
    variants = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants and all(line.endswith(',SUBTITLES="subs"') for line in variants)
    # the renditions come before the variants that reference their group
    assert text.index("TYPE=SUBTITLES") < text.index("#EXT-X-STREAM-INF")


def test_every_playlist_and_segment_is_reachable_under_the_signed_prefix(
    world, signed, client, add_caption, hls
):
    add_caption(world)
    http = client(world.tenant, world.learner)
    master = signed(world, world.learner, services.master_url)
    responses = crawl(http, master, hls)
    segments = [url for url in responses if url.endswith(".ts")]
    playlists = [url for url in responses if url.endswith(".m3u8")]
    names = {r["name"] for r in world.stream.renditions}
    assert {url.split("/")[-2] for url in segments} == names
    assert len(playlists) == 1 + len(names) + 1  # master, each rendition, one subtitle
    for url in segments:
        response = responses[url]
        assert response.content_type == "video/mp2t"
        assert response.headers["Accept-Ranges"] == "bytes"
        # encrypted: the bytes on the wire are not a transport stream
        assert not hls.is_transport_stream(response.body)
    vtts = [url for url in responses if url.endswith(".vtt")]
    assert len(vtts) == 1 and responses[vtts[0]].content_type == "text/vtt"
    prefix = _dir(master)
    for name, content_type in (
        ("poster.jpg", "image/jpeg"),
        ("sprite.jpg", "image/jpeg"),
        ("sprite.vtt", "text/vtt"),
    ):
        response = http.get(prefix + name)
        assert response.status_int == 200, name
        assert response.content_type == content_type
    assert http.get(prefix + "poster.jpg").body[:3] == b"\xff\xd8\xff"


def test_a_segment_honours_a_range(world, signed, client):
    http = client(world.tenant, world.learner)
    url = signed(world, world.learner, services.file_url, "360p/seg_00000.ts")
    whole = http.get(url).body
    part = http.get(url, headers={"Range": "bytes=188-375"})
    assert part.status_int == 206
    assert part.body == whole[188:376]


def test_file_url_quotes_nothing_but_reaches_nested_files(world, signed, client):
    url = signed(world, world.learner, services.file_url, "360p/index.m3u8")
    assert url.endswith("/360p/index.m3u8")
    assert client(world.tenant, world.learner).get(url).status_int == 200


def test_media_playlist_points_its_key_at_the_key_endpoint(world, signed, client, hls):
    http = client(world.tenant, world.learner)
    text = http.get(signed(world, world.learner, services.file_url, "360p/index.m3u8")).text
    uri = hls.key_uri(text)
    assert uri.startswith(f"/streaming/keys/{world.stream.id}?")
    assert f"scope={world.scope}" in uri and "&t=" in uri and "&exp=" in uri
    assert "streaming-key" not in text
    assert re.search(r"IV=0x[0-9a-f]{32}", text)  # ffmpeg's IV stays


def test_subtitle_playlist_and_vtt(
    world, signed, client, add_caption, hls, registry, media_storage
):
    from learninghub.secrets import secret_box

    caption = add_caption(world)
    http = client(world.tenant, world.learner)
    playlist = http.get(signed(world, world.learner, services.file_url, f"subs/{caption.id}.m3u8"))
    assert playlist.status_int == 200
    text = playlist.text
    assert "#EXT-X-TARGETDURATION:3" in text  # ceil(3.0)
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text
    assert hls.playlist_uris(text) == [f"{caption.id}.vtt"]
    vtt = http.get(signed(world, world.learner, services.file_url, f"subs/{caption.id}.vtt"))
    assert vtt.status_int == 200 and vtt.content_type == "text/vtt"
    lines = vtt.text.splitlines()
    assert lines[0] == "WEBVTT"
    found = re.fullmatch(r"X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:00:00:00\.000", lines[1])
    assert found, lines[:3]
    # the first PTS of the first video segment, read here as a player would
    prefix = world.stream.published_prefix
    rendition = media_storage.read(world.tenant.id, prefix + "360p/index.m3u8").decode()
    name, iv = hls.segments_with_iv(rendition)[0]
    key = bytes.fromhex(secret_box(registry).open(world.stream.key_sealed))
    clear = hls.decrypt(media_storage.read(world.tenant.id, prefix + "360p/" + name), key, iv)
    expected = hls.first_pes_pts(clear, hls.VIDEO)
    assert expected and int(found.group(1)) == expected
    assert "First cue" in vtt.text and "00:00:00.500 --> 00:00:01.500" in vtt.text


def test_audio_stream_has_its_renditions_and_subtitles_timed_on_audio(
    make_world, signed, client, add_caption, hls, registry, media_storage
):
    from learninghub.secrets import secret_box

    world = make_world("audio")
    caption = add_caption(world, "de")
    http = client(world.tenant, world.learner)
    text = http.get(signed(world, world.learner, services.master_url)).text
    assert "aac64/index.m3u8" in text and "aac128/index.m3u8" in text
    assert f'URI="subs/{caption.id}.m3u8"' in text
    assert http.get(signed(world, world.learner, services.file_url, "poster.jpg")).status_int == 404
    vtt = http.get(signed(world, world.learner, services.file_url, f"subs/{caption.id}.vtt")).text
    pts = int(re.search(r"MPEGTS:(\d+)", vtt).group(1))
    prefix = world.stream.published_prefix
    rendition = media_storage.read(world.tenant.id, prefix + "aac64/index.m3u8").decode()
    name, iv = hls.segments_with_iv(rendition)[0]
    key = bytes.fromhex(secret_box(registry).open(world.stream.key_sealed))
    clear = hls.decrypt(media_storage.read(world.tenant.id, prefix + "aac64/" + name), key, iv)
    assert pts == hls.first_pes_pts(clear, hls.AUDIO)
    # and the key endpoint's key decrypts what is served
    served = http.get(signed(world, world.learner, services.file_url, "aac64/index.m3u8")).text
    key_response = http.get(hls.key_uri(served))
    assert key_response.status_int == 200 and key_response.body == key
    segment = http.get(signed(world, world.learner, services.file_url, "aac64/" + name)).body
    assert hls.decrypt(segment, key_response.body, iv) == clear


def test_tracks_are_signed_vtt_urls_first_default(world, signed, client, add_caption):
    english = add_caption(world, "en", label="English")
    spanish = add_caption(world, "es")
    tracks = signed(world, world.learner, services.tracks)
    assert [t["id"] for t in tracks] == [str(english.id), str(spanish.id)]
    assert tracks[0] == {
        "id": str(english.id),
        "kind": "subtitles",
        "srclang": "en",
        "label": "English",
        "src": tracks[0]["src"],
        "default": True,
    }
    assert tracks[1]["default"] is False and tracks[1]["label"].lower() == "español"
    http = client(world.tenant, world.learner)
    for track in tracks:
        assert track["src"].endswith(f"/subs/{track['id']}.vtt")
        response = http.get(track["src"])
        assert response.status_int == 200 and response.text.startswith("WEBVTT\nX-TIMESTAMP-MAP")


def test_a_caption_of_another_asset_is_not_served(world, make_world, signed, client, add_caption):
    other = make_world("video")
    foreign_caption = add_caption(other)
    url = signed(world, world.learner, services.file_url, f"subs/{foreign_caption.id}.vtt")
    response = client(world.tenant, world.learner).get(url)
    assert response.status_int == 404 and response.content_type == PROBLEM


# ----------------------------------------------------------------- refusals


def _assert_problem(response, status: int) -> None:
    assert response.status_int == status, response.text[:300]
    assert response.content_type == PROBLEM
    assert response.json["status"] == status


def test_tampered_signature_is_forbidden(world, signed, client):
    url = signed(world, world.learner, services.master_url)
    parts = url.split("/")
    parts[6] = ("A" if parts[6][0] != "A" else "B") + parts[6][1:]
    response = client(world.tenant, world.learner).get("/".join(parts))
    _assert_problem(response, 403)
    assert "reload" in response.json["detail"]


def test_changed_scope_stream_or_exp_breaks_the_signature(world, signed, client, make_world):
    url = signed(world, world.learner, services.master_url)
    http = client(world.tenant, world.learner)
    parts = url.split("/")
    exp = parts[:5] + [str(int(parts[5]) + 60)] + parts[6:]
    _assert_problem(http.get("/".join(exp)), 403)
    scope = parts[:3] + ["manage"] + parts[4:]
    _assert_problem(http.get("/".join(scope)), 403)
    other = make_world("video")
    stream = parts[:4] + [str(other.stream.id)] + parts[5:]
    _assert_problem(http.get("/".join(stream)), 403)


def test_expired_url_is_forbidden(world, signed, client):
    past = services.now() - 1
    url = signed(world, world.learner, services.file_url, "master.m3u8", exp=past)
    _assert_problem(client(world.tenant, world.learner).get(url), 403)


def test_expiry_moves_with_the_clock(world, signed, client, monkeypatch):
    url = signed(world, world.learner, services.master_url)
    exp = int(url.split("/")[5])
    http = client(world.tenant, world.learner)
    assert http.get(url).status_int == 200
    monkeypatch.setattr(services, "now", lambda: exp + 1)
    _assert_problem(http.get(url), 403)


def test_another_users_url_is_forbidden(world, signed, client):
    url = signed(world, world.learner, services.master_url)
    _assert_problem(client(world.tenant, world.outsider).get(url), 403)
    _assert_problem(client(world.tenant, world.instructor).get(url), 403)


def test_anonymous_is_forbidden(world, signed, client):
    url = signed(world, world.learner, services.master_url)
    _assert_problem(client(world.tenant).get(url), 403)


def test_another_tenants_host_is_not_found(world, signed, client):
    url = signed(world, world.learner, services.master_url)
    _assert_problem(client(world.other_tenant, world.foreign_admin).get(url), 404)
    _assert_problem(client(world.other_tenant).get(url), 404)


def test_another_tenants_admin_on_this_host_is_forbidden(world, signed, foreign_client):
    url = signed(world, world.learner, services.master_url)
    _assert_problem(foreign_client(world.tenant, world.other_tenant).get(url), 403)


def test_path_traversal_and_unknown_names_are_not_found(world, signed, client):
    http = client(world.tenant, world.learner)
    prefix = _dir(signed(world, world.learner, services.master_url))
    for path in (
        "../master.m3u8",
        "360p/../master.m3u8",
        "%2e%2e/%2e%2e/etc/passwd",
        "360p/%2e%2e/%2e%2e/x",
        "/master.m3u8",
        "./master.m3u8",
        "360p//index.m3u8",
        "360p\\index.m3u8",
        "",
        "key.bin",
        "key.info",
        "360p/seg_99999.ts",
        "360p/seg_abc.ts",
        "360p/other.m3u8",
        "1080p/index.m3u8",
        "original/file.mp4",
        "subs/not-an-id.vtt",
        "subs/00000000-0000-0000-0000-000000000000.vtt",
        "subs/x/y.vtt",
    ):
        response = http.get(prefix + path)
        assert response.status_int == 404, path
        assert response.content_type == PROBLEM, path


def test_stream_not_ready_or_unknown_is_not_found(world, signed, client, db):
    http = client(world.tenant, world.learner)
    url = signed(world, world.learner, services.master_url)
    world.stream.status = "processing"
    db.flush()
    _assert_problem(http.get(url), 404)
    parts = url.split("/")
    parts[4] = "00000000-0000-0000-0000-000000000000"
    _assert_problem(http.get("/".join(parts)), 404)
    parts[4] = "not-a-uuid"
    _assert_problem(http.get("/".join(parts)), 404)


def test_the_signed_url_is_the_authorization_per_segment(world, signed, client, db):
    """A segment URL made while enrolled keeps working until it expires (the key
    endpoint is what re-checks the enrolment)."""
    url = signed(world, world.learner, services.file_url, "360p/seg_00000.ts")
    world.enrollment.status = "cancelled"
    db.flush()
    assert client(world.tenant, world.learner).get(url).status_int == 200


def test_master_url_needs_a_scope_and_a_user(world, signed, registry, db):
    import pytest

    with pytest.raises(ValueError):
        signed(world, world.learner, services.master_url, scope="nonsense")
    with pytest.raises(ValueError):
        signed(world, None, services.master_url)


def test_ttl_is_at_least_twice_the_duration(world, signed, db):
    world.stream.duration_s = 3 * 3600.0  # 3 h: 6 h > the 4 h default
    db.flush()
    exp = int(signed(world, world.learner, services.master_url).split("/")[5])
    assert exp >= services.now() + 6 * 3600
    assert exp < services.now() + 6 * 3600 + 120
