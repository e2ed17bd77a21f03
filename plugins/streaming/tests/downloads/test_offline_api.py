"""The offline download API and the file route: the editors' switch (queued once,
audited), the learners' signed links, counting, refusals and cross-tenant probes."""

from __future__ import annotations

import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from learninghub_streaming.downloads import services


def offline(world) -> str:
    return f"/api/v1/streams/{world.stream.id}/offline"


def link_for(client, world, user=None) -> dict:
    r = client(world.tenant, user or world.learner).get(f"{offline(world)}?scope={world.lesson.id}")
    assert r.status_int == 200, r.text
    return r.json


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_editor_switches_on_once_and_off_and_it_is_audited(
    world, client, dispatched, events, registry
):
    editor = client(world.tenant, world.instructor)
    r = editor.put_json(offline(world), {"allowed": True})
    assert r.status_int == 200, r.text
    assert r.json == {
        "stream_id": str(world.stream.id),
        "allowed": True,
        "status": "queued",
        "filename": None,
        "size": 0,
        "error": "",
        "downloads": 0,
        "downloaders": 0,
    }
    assert editor.put_json(offline(world), {"allowed": True}).json["status"] == "queued"
    assert [m.kwargs for m in dispatched if m.name == services.PREPARE_TASK] == [
        {"stream_id": str(world.stream.id)}
    ]
    assert editor.get(offline(world)).json["allowed"] is True
    off = editor.put_json(offline(world), {"allowed": False})
    assert (off.json["allowed"], off.json["status"]) == (False, "none")
    names = events.names()
    assert names.count(services.ALLOWED_EVENT) == 1
    assert names.count(services.DISALLOWED_EVENT) == 1
    from learninghub.tasks import make_tenant_request
    from learninghub_audit.recorder import is_auditable

    request = make_tenant_request(
        registry, registry["tenancy.resolver"].by_id(world.tenant.id), None
    )
    assert is_auditable(request, services.ALLOWED_EVENT)
    assert is_auditable(request, services.DISALLOWED_EVENT)
    assert not is_auditable(request, services.READY_EVENT)
    allowed = events.named(services.ALLOWED_EVENT)[0]
    assert allowed.resource_id == str(world.stream.id)
    assert allowed.actor_id == world.instructor.id


def test_switching_on_a_made_file_queues_nothing(world, client, dispatched, made_download):
    made_download(world, allowed=False)
    r = client(world.tenant, world.instructor).put_json(offline(world), {"allowed": True})
    assert (r.json["status"], r.json["filename"]) == ("ready", "clip.mp4")
    assert not [m for m in dispatched if m.name == services.PREPARE_TASK]


def test_a_stream_not_ready_cannot_be_switched_on(world, client, db, dispatched):
    world.stream.status = "processing"
    db.flush()
    r = client(world.tenant, world.instructor).put_json(offline(world), {"allowed": True})
    assert r.status_int == 409 and "once it is ready" in r.json["detail"]
    assert not dispatched


@pytest.mark.parametrize(
    "body,path",
    [
        ({}, ["body", "allowed"]),
        ({"allowed": "yes"}, ["body", "allowed"]),
        ({"allowed": 1}, ["body", "allowed"]),
        ({"allowed": True, "ttl": 5}, ["body", "ttl"]),
    ],
)
def test_invalid_switch_answers_422(world, client, body, path):
    r = client(world.tenant, world.instructor).put_json(offline(world), body)
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert path in [e["path"] for e in r.json["errors"]]


@pytest.mark.parametrize("query", ["scope=nope", "scope=", "colour=red"])
def test_invalid_query_answers_422(world, client, query):
    r = client(world.tenant, world.learner).get(f"{offline(world)}?{query}")
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"][0] == "query"


def test_learner_downloads_and_each_start_is_counted(
    world, client, page_browser, made_download, download_rows
):
    data = made_download(world)
    link = link_for(client, world)
    assert (link["filename"], link["size"], link["content_type"]) == (
        "clip.mp4",
        len(data),
        "video/mp4",
    )
    assert time.time() < link["expires_at"] <= time.time() + services.LINK_TTL + 1
    path = path_of(link["url"])
    assert path.startswith(f"/streaming/downloads/{world.lesson.id}/{world.stream.id}/")
    assert path.endswith("/clip.mp4")
    browser = page_browser(world.tenant, world.learner)
    r = browser.get(path)
    assert r.status_int == 200 and r.body == data
    assert r.headers["Content-Disposition"].startswith('attachment; filename="clip.mp4"')
    assert r.content_type == "video/mp4" and r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "private" in r.headers["Cache-Control"]
    assert browser.get(path).status_int == 200
    assert len(download_rows(world.stream.id)) == 2
    # a paused download resumed: not counted again
    rest = browser.get(path, headers={"Range": "bytes=1000-"})
    assert rest.status_int == 206 and rest.body == data[1000:]
    assert rest.headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert len(download_rows(world.stream.id)) == 2
    # a download manager starting with a range from 0 is counted
    start = browser.get(path, headers={"Range": "bytes=0-99"})
    assert start.status_int == 206 and start.body == data[:100]
    rows = download_rows(world.stream.id)
    assert len(rows) == 3
    assert {(r.user_id, r.lesson_id) for r in rows} == {(world.learner.id, world.lesson.id)}
    # neither a HEAD nor a revalidation of the same file counts
    assert browser._call("head", path).status_int == 200
    etag = r.headers["ETag"]
    assert browser.get(path, headers={"If-None-Match": etag}).status_int == 304
    assert len(download_rows(world.stream.id)) == 3
    # the bearer-token client works as well (the link is bound to the user, not the cookie)
    assert client(world.tenant, world.learner).get(path).status_int == 200
    state = client(world.tenant, world.instructor).get(offline(world)).json
    assert (state["downloads"], state["downloaders"]) == (4, 1)


def test_staff_and_manage_scope_get_links(world, client, made_download, page_browser):
    made_download(world)
    staff = link_for(client, world, world.instructor)
    assert page_browser(world.tenant, world.instructor).get(path_of(staff["url"])).status_int == 200
    r = client(world.tenant, world.instructor).get(f"{offline(world)}?scope=manage")
    assert r.status_int == 200 and "/streaming/downloads/manage/" in r.json["url"]


def test_links_refuse_tampering_expiry_and_other_users(
    world, client, page_browser, made_download, registry, download_rows
):
    made_download(world)
    path = path_of(link_for(client, world)["url"])
    _, _, _, scope, stream_id, exp, sig, name = path.split("/")
    learner = page_browser(world.tenant, world.learner)
    bad_sig = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    tampered = [
        f"/streaming/downloads/{scope}/{stream_id}/{exp}/{bad_sig}/{name}",
        f"/streaming/downloads/{scope}/{stream_id}/{int(exp) + 60}/{sig}/{name}",
        f"/streaming/downloads/manage/{stream_id}/{exp}/{sig}/{name}",
        f"/streaming/downloads/{scope}/{stream_id}/soon/{sig}/{name}",
    ]
    for url in tampered:
        assert learner.get(url).status_int == 403, url
    # signed correctly, but expired
    signer = SimpleNamespace(registry=registry, tenant=SimpleNamespace(id=world.tenant.id))
    past = int(time.time()) - 1
    old_sig = services.signature(signer, scope, stream_id, world.learner.id, past)
    assert (
        learner.get(f"/streaming/downloads/{scope}/{stream_id}/{past}/{old_sig}/{name}").status_int
        == 403
    )
    # another enrolled learner, an anonymous visitor
    assert page_browser(world.tenant, world.classmate).get(path).status_int == 403
    assert page_browser(world.tenant).get(path).status_int == 403
    # a wrong file name, an unknown stream
    assert learner.get(path.replace("/clip.mp4", "/other.mp4")).status_int == 404
    assert learner.get(path.replace(stream_id, "0" * 32)).status_int == 404
    assert download_rows(world.stream.id) == []
    assert learner.get(path).status_int == 200


def test_link_dies_when_the_download_is_switched_off(world, client, page_browser, made_download):
    made_download(world)
    path = path_of(link_for(client, world)["url"])
    client(world.tenant, world.instructor).put_json(offline(world), {"allowed": False})
    assert page_browser(world.tenant, world.learner).get(path).status_int == 404


def test_not_allowed_or_not_made_answers_409(world, client, made_download, db, dispatched):
    learner = client(world.tenant, world.learner)
    url = f"{offline(world)}?scope={world.lesson.id}"
    r = learner.get(url)
    assert r.status_int == 409 and r.content_type == "application/problem+json"
    assert r.json["detail"] == "the offline download of this media is not allowed"
    client(world.tenant, world.instructor).put_json(offline(world), {"allowed": True})
    r = learner.get(url)
    assert r.status_int == 409 and "being prepared" in r.json["detail"]
    made_download(world, allowed=False)
    assert learner.get(url).status_int == 409


def test_who_may_get_a_link(world, client, made_download, enrol_directly, db):
    made_download(world)
    url = f"{offline(world)}?scope={world.lesson.id}"
    assert client(world.tenant).get(url).status_int == 401
    assert client(world.tenant, world.outsider).get(url).status_int == 404
    # a free preview may be watched without enrolment, but not downloaded
    world.lesson.is_free_preview = True
    db.flush()
    r = client(world.tenant, world.outsider).get(url)
    assert r.status_int == 403 and "enrolled" in r.json["detail"]
    # a cancelled enrolment no longer gives links
    from learninghub_enrollment.models import Enrollment

    world.lesson.is_free_preview = False
    db.execute(
        sa.update(Enrollment)
        .where(Enrollment.user_id == world.learner.id)
        .values(status="cancelled")
    )
    db.flush()
    assert client(world.tenant, world.learner).get(url).status_int in (403, 404)
    # another lesson of the course does not use this media
    other = f"{offline(world)}?scope={world.other_lesson.id}"
    assert client(world.tenant, world.instructor).get(other).status_int == 404
    # the editors' view is for editors only
    assert client(world.tenant, world.classmate).get(offline(world)).status_int == 404
    assert (
        client(world.tenant, world.classmate)
        .put_json(offline(world), {"allowed": False})
        .status_int
        == 404
    )


def test_every_route_refuses_another_tenant(
    world, client, page_browser, made_download, foreign_client
):
    made_download(world)
    link = path_of(link_for(client, world)["url"])
    foreign = foreign_client(world.tenant, world.other_tenant)
    own_host = client(world.other_tenant, world.foreign_admin)
    routes = [
        ("get", offline(world), None),
        ("get", f"{offline(world)}?scope={world.lesson.id}", None),
        ("put_json", offline(world), {"allowed": False}),
    ]
    for method, url, body in routes:
        args = (url, body) if body is not None else (url,)
        assert getattr(foreign, method)(*args).status_int in (401, 404), url
        assert getattr(own_host, method)(*args).status_int == 404, url
    # the file: another tenant's admin on this host, and this link on the other host
    stranger = page_browser(world.tenant)
    stranger.cookies.update(page_browser(world.other_tenant, world.foreign_admin).cookies)
    assert stranger.get(link).status_int in (403, 404)
    assert page_browser(world.other_tenant, world.foreign_admin).get(link).status_int in (403, 404)
    learner_elsewhere = page_browser(world.tenant, world.learner)
    learner_elsewhere.host = world.other_tenant.host
    assert learner_elsewhere.get(link).status_int in (403, 404)


def test_openapi_lists_the_routes(world, client):
    paths = client(world.tenant).get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/streams/{id}/offline"]) >= {"get", "put"}
    assert set(paths["/api/v1/streams/{id}/bookmarks"]) >= {"get", "post"}
    assert set(paths["/api/v1/streaming/bookmarks/{id}"]) >= {"patch", "delete"}
