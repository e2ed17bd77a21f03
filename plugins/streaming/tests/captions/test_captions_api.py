"""The captions API: upload (JSON and multipart), list, get, replace, delete, the
.vtt download, events, and who may do what."""

from __future__ import annotations

import pytest

SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <b>there</b>\r\nsecond line\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n"
)
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFirst\n\n00:00:03.000 --> 00:00:05.000\nSecond\n"


def test_upload_srt_as_json_then_list_get_replace_delete(world, upload, client, events):
    r = upload(world, text=SRT, language="pt-br", kind="captions")
    assert r.status_int == 201, r.text
    track = r.json
    assert track["language"] == "pt-BR" and track["label"] == "português (Brasil)"
    assert track["kind"] == "captions" and track["cue_count"] == 2
    assert track["vtt"].startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello <b>there</b>")
    assert r.headers["Location"].endswith(f"/api/v1/captions/{track['id']}")

    editor = client(world.tenant, world.instructor)
    # a second upload of the same language and kind is a conflict
    again = upload(world, text=SRT, language="pt-BR", kind="captions")
    assert again.status_int == 409 and "PUT /api/v1/captions" in again.json["detail"]
    upload(world, language="en", label="English (CC)")
    listed = editor.get(f"/api/v1/media/{world.asset.id}/captions?limit=1")
    assert [t["language"] for t in listed.json["items"]] == ["en"]
    rest = editor.get(
        f"/api/v1/media/{world.asset.id}/captions?limit=1&cursor={listed.json['next_cursor']}"
    )
    assert [t["language"] for t in rest.json["items"]] == ["pt-BR"]
    assert rest.json["next_cursor"] is None

    url = f"/api/v1/captions/{track['id']}"
    assert editor.get(url).json["vtt"] == track["vtt"]
    replaced = editor.put_json(url, {"text": VTT, "label": "Portuguese"})
    assert replaced.status_int == 200, replaced.text
    assert replaced.json["label"] == "Portuguese" and "First" in replaced.json["vtt"]
    assert editor.delete(url).status_int == 204
    assert editor.get(url).status_int == 404
    assert events.names().count("streaming.caption.created") == 2
    assert "streaming.caption.updated" in events.names()
    assert "streaming.caption.deleted" in events.names()


def test_multipart_upload(world, client):
    r = client(world.tenant, world.uploader).app.post(
        f"/api/v1/media/{world.asset.id}/captions",
        {"language": "fr", "kind": "subtitles"},
        upload_files=[("file", "fr.srt", SRT.encode("utf-8"))],
        **client(world.tenant, world.uploader)._kw({}),
    )
    assert r.status_int == 201, r.text
    assert r.json["language"] == "fr" and r.json["label"] == "français"
    put = client(world.tenant, world.uploader).app.put(
        f"/api/v1/captions/{r.json['id']}",
        {"label": "French"},
        upload_files=[("file", "fr.vtt", VTT.encode("utf-8"))],
        **client(world.tenant, world.uploader)._kw({}),
    )
    assert put.status_int == 200, put.text
    assert put.json["label"] == "French" and put.json["vtt"] == VTT
    bad = client(world.tenant, world.uploader).app.post(
        f"/api/v1/media/{world.asset.id}/captions",
        {"language": "fr", "kind": "captions"},
        **client(world.tenant, world.uploader)._kw({}),
        content_type="multipart/form-data",
    )
    assert bad.status_int == 422 and bad.json["errors"][0]["path"] == ["body", "file"]


def test_invalid_file_answers_422_with_the_line(world, upload):
    text = "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nA\n\n00:00:06.000 --> 00:01:30.000\nB\n"
    r = upload(world, text=text)
    assert r.status_int == 422
    assert r.content_type == "application/problem+json"
    assert [(e["line"], e["type"]) for e in r.json["errors"]] == [
        (3, "caption_timing"),
        (6, "caption_duration"),
    ]
    assert r.json["errors"][0]["message"].startswith("line 3: the cue ends (00:00:04.000)")
    assert r.json["errors"][1]["path"] == ["body", "text"]


@pytest.mark.parametrize(
    "body,path",
    [
        ({"language": "xx"}, ["body", "language"]),
        ({"language": "en", "kind": "chapters"}, ["body", "kind"]),
        ({"language": "en", "label": "x" * 101}, ["body", "label"]),
        ({"language": "en", "text": ""}, ["body", "text"]),
        ({"language": "en", "colour": "red"}, ["body", "colour"]),
    ],
)
def test_invalid_fields_answer_422(world, upload, body, path):
    r = upload(world, **body)
    assert r.status_int == 422, r.text
    assert path in [e["path"] for e in r.json["errors"]]


def test_put_needs_a_change_and_checks_conflicts(world, upload, client):
    en = upload(world).json
    upload(world, language="de")
    editor = client(world.tenant, world.instructor)
    url = f"/api/v1/captions/{en['id']}"
    assert editor.put_json(url, {}).status_int == 422
    assert editor.put_json(url, {"language": "de"}).status_int == 409
    assert editor.put_json(url, {"text": "WEBVTT\n\nbroken"}).status_int == 422
    assert editor.get(url).json["vtt"] == en["vtt"]  # nothing half-written
    assert editor.post(url, "x").status_int == 405


def test_non_media_asset_and_unknown_asset(world, upload, client, make_asset):
    pdf = make_asset(world.tenant, owner=world.instructor, content_type="application/pdf")
    editor = client(world.tenant, world.instructor)
    r = editor.post_json(f"/api/v1/media/{pdf.id}/captions", {"language": "en", "text": VTT})
    assert r.status_int == 409
    assert editor.get("/api/v1/media/not-a-uuid/captions").status_int == 404
    assert editor.get("/api/v1/captions/not-a-uuid").status_int == 404
    assert (
        editor.post(
            f"/api/v1/media/{world.asset.id}/captions", "x", content_type="text/plain"
        ).status_int
        == 415
    )


def test_authorization_of_every_api_route(world, upload, client):
    track = upload(world).json
    routes = [
        ("get", f"/api/v1/media/{world.asset.id}/captions", None),
        ("post_json", f"/api/v1/media/{world.asset.id}/captions", {"language": "it", "text": VTT}),
        ("get", f"/api/v1/captions/{track['id']}", None),
        ("put_json", f"/api/v1/captions/{track['id']}", {"label": "Changed"}),
        ("delete", f"/api/v1/captions/{track['id']}", None),
    ]
    anonymous = client(world.tenant)
    learner = client(world.tenant, world.learner)
    foreign = client(world.tenant)
    foreign.headers.update(client(world.other_tenant, world.foreign_admin).headers)
    for method, url, body in routes:
        args = (url, body) if body is not None else (url,)
        assert getattr(anonymous, method)(*args).status_int == 401, url
        assert getattr(learner, method)(*args).status_int == 404, url  # enrolled, not editor
        assert getattr(foreign, method)(*args).status_int in (401, 404), url
    # another tenant's admin on their own host does not find this tenant's rows
    own_host = client(world.other_tenant, world.foreign_admin)
    for method, url, body in routes:
        args = (url, body) if body is not None else (url,)
        assert getattr(own_host, method)(*args).status_int == 404, url
    # the asset's uploader (not staff of the course) is allowed
    uploader = client(world.tenant, world.uploader)
    for method, url, body in routes:
        args = (url, body) if body is not None else (url,)
        assert getattr(uploader, method)(*args).status_int in (200, 201, 204), url


def test_download_by_enrolled_learner_and_refusal_for_others(world, upload, client, page_browser):
    track = upload(world, text=SRT).json
    url = f"/captions/{track['id']}.vtt"
    r = page_browser(world.tenant, world.learner).get(url)
    assert r.status_int == 200 and r.content_type == "text/vtt"
    assert r.text == track["vtt"]
    assert client(world.tenant, world.instructor).get(url).status_int == 200
    assert page_browser(world.tenant, world.outsider).get(url).status_int == 404
    assert page_browser(world.tenant).get(url).status_int == 404
    foreign = page_browser(world.tenant)
    foreign.cookies.update(page_browser(world.other_tenant, world.foreign_admin).cookies)
    assert foreign.get(url).status_int == 404
    assert page_browser(world.other_tenant, world.foreign_admin).get(url).status_int == 404
    assert page_browser(world.tenant, world.learner).get("/captions/nope.vtt").status_int == 404
