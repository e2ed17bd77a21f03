"""The /media page: my uploads, the plain form (no JavaScript) and tus for the JS uploader."""

from __future__ import annotations

import base64
import re

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_instructor_sees_the_page_with_both_uploaders(tenant, user_factory, page_browser):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    r = b.get("/media")
    assert r.status_int == 200 and r.content_type == "text/html"
    assert 'enctype="multipart/form-data"' in r.text and 'name="file"' in r.text
    assert 'data-tus-endpoint="/media/uploads"' in r.text
    assert '<div id="media-progress" hidden>' in r.text  # shown by the script only
    assert re.search(r'<script src="[^"]*/static/media/uploader\.js[^"]*" defer>', r.text)
    assert "You have not uploaded anything yet." in r.text
    assert '<a href="/media"' in r.text  # navigation entry


def test_page_is_for_uploaders(
    tenant, other_tenant, user_factory, page_browser, session_cookie, client
):
    anonymous = page_browser(tenant).get("/media")
    assert anonymous.status_int in (302, 303) and "/login" in anonymous.headers["Location"]
    assert page_browser(tenant, user_factory(tenant, "learner")).get("/media").status_int == 403
    # a session of another tenant is not one here
    replayed = client(tenant)
    replayed.headers["Cookie"] = session_cookie(other_tenant, user_factory(other_tenant, "admin"))
    assert replayed.get("/media").status_int in (302, 303)


def test_script_is_served(tenant, user_factory, page_browser):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    src = re.search(r'<script src="([^"]+/uploader\.js[^"]*)"', b.get("/media").text).group(1)
    js = b.get(src.replace("http://" + tenant.host, ""))
    assert js.status_int == 200 and b"Tus-Resumable" in js.body


def test_plain_form_upload_without_javascript(tenant, user_factory, page_browser, samples):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    r = b.post("/media", {}, upload_files=[("file", "chart.png", samples.png())])
    assert r.status_int == 303 and r.headers["Location"].endswith("/media?uploaded=1")
    page = b.get("/media?uploaded=1")
    assert "Your file was uploaded." in page.text
    assert "<bdi>chart.png</bdi>" in page.text and "image/png" in page.text
    assert re.search(r'<img src="[^"]+/thumbnail\?exp=', page.text)


def test_plain_form_refusals_are_explained(
    tenant, user_factory, page_browser, samples, stored, media_settings
):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    r = b.post("/media", {}, upload_files=[("file", "cat.png", samples.html)])
    assert r.status_int == 415 and 'role="alert"' in r.text
    assert "This type of file is not accepted here" in r.text
    r = b.post("/media", {}, upload_files=[("file", "../x.png", samples.png())])
    assert r.status_int == 400 and "must not contain a path" in r.text
    media_settings(tenant, quota_bytes=10)
    r = b.post("/media", {}, upload_files=[("file", "x.png", samples.png())])
    assert r.status_int == 422 and "storage quota" in r.text
    assert stored(tenant) == []


def test_plain_form_needs_csrf_and_permission(tenant, user_factory, page_browser, samples, stored):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    r = b.post("/media", {}, csrf=False, upload_files=[("file", "a.png", samples.png())])
    assert r.status_int == 400
    learner = page_browser(tenant, user_factory(tenant, "learner"))
    token = CSRF_RE.search(learner.get("/dashboard").text).group(1)  # the footer's language form
    r = learner._call(
        "post",
        "/media",
        params={"csrf_token": token},
        upload_files=[("file", "a.png", samples.png())],
    )
    assert r.status_int == 403 and stored(tenant) == []


def test_page_tus_with_session_and_csrf_header(tenant, user_factory, page_browser, samples):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    page = b.get("/media")
    token = CSRF_RE.search(page.text).group(1)
    data = samples.png()
    meta = "filename " + base64.b64encode("Diagrama ñ.png".encode()).decode()
    tus = {"Tus-Resumable": "1.0.0"}
    headers = {**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
    assert b._call("post", "/media/uploads", params="", headers=headers).status_int == 400  # CSRF
    created = b._call(
        "post", "/media/uploads", params="", headers={**headers, "X-CSRF-Token": token}
    )
    assert created.status_int == 201, created.text
    location = created.headers["Location"]
    assert "/media/uploads/" in location and "/api/" not in location
    location = re.sub(r"^https?://[^/]+", "", location)
    r = b._call(
        "patch",
        location,
        params=data,
        content_type="application/offset+octet-stream",
        headers={**tus, "Upload-Offset": "0", "X-CSRF-Token": token},
    )
    assert r.status_int == 204 and r.headers["Media-Asset-Id"]
    assert b._call("head", location, headers=tus).headers["Upload-Offset"] == str(len(data))
    assert "<bdi>Diagrama ñ.png</bdi>" in b.get("/media").text


def test_page_tus_is_for_uploaders(tenant, user_factory, page_browser):
    b = page_browser(tenant, user_factory(tenant, "learner"))
    token = CSRF_RE.search(b.get("/dashboard").text).group(1)
    headers = {"Tus-Resumable": "1.0.0", "Upload-Length": "10", "X-CSRF-Token": token}
    r = b._call("post", "/media/uploads", params="", headers=headers)
    assert r.status_int == 403
    anonymous = page_browser(tenant)
    r = anonymous._call("head", "/media/uploads/" + "0" * 8, headers={"Tus-Resumable": "1.0.0"})
    assert r.status_int == 403


def test_owner_deletes_a_file_from_the_page(
    tenant, other_tenant, user_factory, page_browser, samples, stored, upload
):
    owner = user_factory(tenant, "instructor")
    asset = upload(tenant, owner, "old.png", samples.png()).json
    path = f"/media/{asset['id']}/delete"
    # another instructor, a learner, a visitor, another tenant's admin: no
    colleague = page_browser(tenant, user_factory(tenant, "instructor"))
    assert colleague.submit(colleague.get("/media"), path, {}).status_int == 404
    learner = page_browser(tenant, user_factory(tenant, "learner"))
    assert learner.submit(learner.get("/dashboard"), path, {}).status_int == 403
    visitor = page_browser(tenant)
    assert visitor.submit(visitor.get("/login"), path, {}).status_int in (302, 303)
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.submit(foreign.get("/media"), path, {}).status_int == 404
    b = page_browser(tenant, owner)
    page = b.get("/media")
    assert f'action="{path}"' in page.text and "Delete old.png" in page.text
    assert b.submit(page, path, {}, csrf=False).status_int == 400
    r = b.submit(page, path, {})
    assert r.status_int == 303 and r.headers["Location"].endswith("/media?deleted=1")
    assert "The file was deleted." in b.get("/media?deleted=1").text
    assert stored(tenant) == []


def test_page_shows_the_storage_use(tenant, user_factory, page_browser, media_settings, upload):
    media_settings(tenant, quota_bytes=1_000_000)
    owner = user_factory(tenant, "instructor")
    upload(tenant, owner, "n.pdf", b"%PDF-1.4\n" + b"x" * 991)
    text = page_browser(tenant, owner).get("/media").text
    assert "The site uses 1,000 of its 1,000,000 bytes of media storage." in text


# ----------------------------------------------------------------- coming back to another page


def test_uploader_chunk_size_is_the_tenant_setting(
    tenant, user_factory, page_browser, media_settings, registry
):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    assert f'data-chunk-bytes="{5 * 1024 * 1024}"' in b.get("/media").text
    media_settings(tenant, upload_chunk_bytes=256 * 1024)
    assert 'data-chunk-bytes="262144"' in b.get("/media").text
    from pydantic import ValidationError

    from learninghub_media.settings import MediaSettings

    for wrong in (1024, 200 * 1024 * 1024):
        try:
            MediaSettings(upload_chunk_bytes=wrong)
        except ValidationError as exc:
            assert exc.errors()[0]["loc"] == ("upload_chunk_bytes",)
        else:
            raise AssertionError(f"{wrong} accepted")


def test_next_brings_the_uploader_back_with_the_new_file(
    tenant, user_factory, page_browser, samples
):
    back = "/teach/courses/abc/lessons/def?type=video"
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    page = b.get("/media", params={"next": back})
    escaped = back.replace("&", "&amp;")
    assert f'data-next="{escaped}"' in page.text
    assert f'<input type="hidden" name="next" value="{escaped}">' in page.text
    assert f'<a href="{escaped}">Go back without uploading</a>' in page.text
    r = b.post(
        "/media?next=" + back.replace("?", "%3F").replace("=", "%3D"),
        {"next": back},
        upload_files=[("file", "chart.png", samples.png())],
    )
    assert r.status_int == 303, r.text
    location = r.headers["Location"]
    assert "uploaded=1" in location and "asset=" in location and "next=" in location
    done = b.get(re.sub(r"^https?://[^/]+", "", location))
    link = re.search(r'<a href="([^"]+)">Use chart.png and go back</a>', done.text)
    assert link, done.text
    asset_id = re.search(r"asset=([0-9a-f-]{36})", location).group(1)
    assert (
        link.group(1).replace("&amp;", "&")
        == f"{back.split('?')[0]}?type=video&media_asset_id={asset_id}"
    )
    assert "Go back without uploading" not in done.text


def test_next_must_be_a_path_of_this_site(tenant, user_factory, page_browser, samples):
    b = page_browser(tenant, user_factory(tenant, "instructor"))
    for unsafe in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "x", "/a\nb"):
        page = b.get("/media", params={"next": unsafe})
        assert page.status_int == 200
        assert "data-next" not in page.text and "Go back" not in page.text, unsafe
        form = page.text.split('id="media-upload-form"')[1].split("</form>")[0]
        assert 'name="next"' not in form
        r = b.post("/media", {"next": unsafe}, upload_files=[("file", "a.png", samples.png())])
        assert r.status_int == 303 and r.headers["Location"].endswith("/media?uploaded=1")


def test_use_link_only_names_ones_own_ready_upload(
    tenant, other_tenant, user_factory, page_browser, upload, samples
):
    mine = user_factory(tenant, "instructor")
    colleague = upload(tenant, user_factory(tenant, "instructor"), "theirs.png", samples.png())
    foreign = upload(other_tenant, user_factory(other_tenant, "instructor"), "f.png", samples.png())
    b = page_browser(tenant, mine)
    for asset_id in (colleague.json["id"], foreign.json["id"], "not-an-id"):
        page = b.get("/media", params={"uploaded": "1", "asset": asset_id, "next": "/teach"})
        assert page.status_int == 200 and "and go back" not in page.text
        assert "theirs.png" not in page.text and "f.png" not in page.text
