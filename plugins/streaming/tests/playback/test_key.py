"""``GET /streaming/keys/{stream_id}?scope=&exp=&t=``: the AES-128 key, only for the
user the token was made for, before it expires, while they may still watch."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from learninghub_streaming.playback import services

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> None:
    assert response.status_int == status, response.text[:300]
    assert response.content_type == PROBLEM
    assert response.json["status"] == status


def _key_url_from_playlist(world, user, signed, client, hls, scope=None) -> str:
    http = client(world.tenant, user)
    url = signed(world, user, services.file_url, "360p/index.m3u8", scope=scope)
    response = http.get(url)
    assert response.status_int == 200
    return hls.key_uri(response.text)


def test_enrolled_learner_gets_the_key_that_decrypts_the_segments(world, signed, client, hls):
    http = client(world.tenant, world.learner)
    for rendition in world.stream.renditions:
        directory = rendition["playlist"].split("/")[0]
        playlist_url = signed(world, world.learner, services.file_url, rendition["playlist"])
        playlist = http.get(playlist_url).text
        response = http.get(hls.key_uri(playlist))
        assert response.status_int == 200
        assert response.content_type == "application/octet-stream"
        assert response.headers["Cache-Control"] == "no-store"
        key = response.body
        assert len(key) == 16
        segments = hls.segments_with_iv(playlist)
        assert len(segments) == 2  # 3 s in 2 s segments
        prefix = playlist_url.rsplit("/", 1)[0] + "/"
        for name, iv in segments:
            data = http.get(prefix + name).body
            assert not hls.is_transport_stream(data), f"{directory}/{name} is in clear"
            clear = hls.decrypt(data, key, iv)
            assert hls.is_transport_stream(clear), f"{directory}/{name}"
            ids = hls.VIDEO if directory != "audio" else hls.AUDIO
            assert hls.first_pes_pts(clear, ids) is not None
            # another key does not give a transport stream
            try:
                wrong = hls.decrypt(data, os.urandom(16), iv)
            except ValueError:
                continue  # the padding check already refused it
            assert not hls.is_transport_stream(wrong)


def test_key_url_made_by_the_service_works(world, signed, client):
    url = signed(world, world.learner, services.key_url)
    response = client(world.tenant, world.learner).get(url)
    assert response.status_int == 200 and len(response.body) == 16


def test_unenrolled_user_gets_no_key(world, signed, client):
    # a token made for them (their own page could not have done it: may_watch fails)
    url = signed(world, world.outsider, services.key_url)
    response = client(world.tenant, world.outsider).get(url)
    _problem(response, 403)
    assert "no longer" in response.json["detail"]


def test_expired_token_is_refused(world, signed, client):
    url = signed(world, world.learner, services.key_url, exp=services.now() - 1)
    _problem(client(world.tenant, world.learner).get(url), 403)


def test_token_expires_after_key_token_seconds(world, signed, client, monkeypatch):
    url = signed(world, world.learner, services.key_url)
    exp = int(parse_qs(urlsplit(url).query)["exp"][0])
    http = client(world.tenant, world.learner)
    assert http.get(url).status_int == 200
    monkeypatch.setattr(services, "now", lambda: exp + 1)
    _problem(http.get(url), 403)


def test_token_of_one_user_is_refused_to_another(world, signed, client, hls):
    url = _key_url_from_playlist(world, world.learner, signed, client, hls)
    _problem(client(world.tenant, world.instructor).get(url), 403)
    _problem(client(world.tenant, world.outsider).get(url), 403)


def test_anonymous_gets_no_key(world, signed, client):
    url = signed(world, world.learner, services.key_url)
    _problem(client(world.tenant).get(url), 403)


def test_cancelled_enrolment_stops_new_key_fetches(world, signed, client, hls, db):
    url = _key_url_from_playlist(world, world.learner, signed, client, hls)
    http = client(world.tenant, world.learner)
    assert http.get(url).status_int == 200
    world.enrollment.status = "cancelled"
    db.flush()
    _problem(http.get(url), 403)


def test_tampered_or_missing_token_and_changed_scope_are_refused(world, signed, client):
    url = signed(world, world.learner, services.key_url)
    split = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(split.query).items()}
    http = client(world.tenant, world.learner)
    path = split.path
    for changes in (
        {"t": "x" + query["t"][1:]},
        {"t": ""},
        {"exp": str(int(query["exp"]) + 10)},
        {"exp": "soon"},
        {"scope": "manage"},
        {"scope": "not-a-scope"},
        {"scope": str(world.lesson.id).upper()},
    ):
        response = http.get(path, params={**query, **changes})
        _problem(response, 403)
    _problem(http.get(path), 403)


def test_token_for_another_stream_is_refused(world, make_world, signed, client):
    other = make_world("video")
    url = signed(world, world.learner, services.key_url)
    moved = url.replace(str(world.stream.id), str(other.stream.id))
    _problem(client(world.tenant, world.learner).get(moved), 403)


def test_another_tenants_host_is_not_found(world, signed, client, foreign_client):
    url = signed(world, world.learner, services.key_url)
    _problem(client(world.other_tenant, world.foreign_admin).get(url), 404)
    _problem(client(world.other_tenant).get(url), 404)
    # the foreign admin's token on this tenant's host is nobody here
    _problem(foreign_client(world.tenant, world.other_tenant).get(url), 403)


def test_unknown_or_unready_stream_is_not_found(world, signed, client, db):
    url = signed(world, world.learner, services.key_url)
    http = client(world.tenant, world.learner)
    _problem(http.get(url.replace(str(world.stream.id), "not-a-stream")), 404)
    world.stream.status = "failed"
    db.flush()
    _problem(http.get(url), 404)


def test_free_preview_lesson_is_watchable_by_a_signed_in_outsider(world, signed, client, db):
    url = signed(world, world.outsider, services.key_url)
    http = client(world.tenant, world.outsider)
    _problem(http.get(url), 403)
    world.lesson.is_free_preview = True
    db.flush()
    response = http.get(url)
    assert response.status_int == 200 and len(response.body) == 16
    master = signed(world, world.outsider, services.master_url)
    assert http.get(master).status_int == 200


def test_a_lesson_not_using_the_asset_is_refused(world, signed, client, db):
    from learninghub_content.models import Lesson

    other = db.scalar(
        sa.select(Lesson).where(Lesson.course_id == world.course.id, Lesson.id != world.lesson.id)
    )
    url = signed(world, world.learner, services.key_url, scope=str(other.id))
    _problem(client(world.tenant, world.learner).get(url), 403)


@pytest.mark.parametrize("who", ["instructor", "uploader"])
def test_manage_scope_for_the_course_editor_and_the_uploader(world, signed, client, hls, who):
    user = getattr(world, who)
    http = client(world.tenant, user)
    master = signed(world, user, services.master_url, scope="manage")
    assert "/streaming/hls/manage/" in master
    assert http.get(master).status_int == 200
    url = _key_url_from_playlist(world, user, signed, client, hls, scope="manage")
    assert "scope=manage" in url
    response = http.get(url)
    assert response.status_int == 200 and len(response.body) == 16


def test_manage_scope_is_refused_to_a_learner(world, signed, client):
    url = signed(world, world.learner, services.key_url, scope="manage")
    _problem(client(world.tenant, world.learner).get(url), 403)


def test_staff_may_watch_in_the_lesson_scope(world, signed, client):
    url = signed(world, world.instructor, services.key_url)
    assert client(world.tenant, world.instructor).get(url).status_int == 200
