"""Branding admin: page, JSON API and the public files (logo, favicon, custom CSS)."""

from __future__ import annotations

import pytest

from learninghub import branding as brand

API = "/api/v1/tenant/branding"
PAGE = "/admin/branding"
FAILING = {"token-color-text": "#9a9a9a"}  # grey text on the near-white background


def palette_form(**tokens) -> dict[str, str]:
    form = {f"token-{k}": v for k, v in brand.TOKENS.items()}
    form.update(tokens)
    return form


def save_form(page, **fields):
    form = palette_form()
    form.update(fields)
    form["action"] = "save"
    return page.post(PAGE, form)


# ----------------------------------------------------------------- authorization


def test_page_for_visitor_learner_admin(tenant, user_factory, page):
    r = page(tenant).get(PAGE)
    assert r.status_int == 303 and "/login?next=/admin/branding" in r.headers["Location"]
    assert page(tenant, user_factory(tenant, "learner")).get(PAGE).status_int == 403
    assert page(tenant, user_factory(tenant, "instructor")).get(PAGE).status_int == 403
    r = page(tenant, user_factory(tenant, "admin")).get(PAGE)
    assert r.status_int == 200 and "<h1>Branding</h1>" in r.text
    assert r.headers["Cache-Control"] == "no-store"
    assert 'aria-current="page"' in r.text and 'href="/admin/branding"' in r.text


def test_learner_cannot_post_the_page(tenant, user_factory, page, db):
    learner = page(tenant, user_factory(tenant, "learner"))
    r = save_form(learner, **{"token-color-primary": "#000000"})
    assert r.status_int == 403
    db.expire_all()
    assert not (tenant.orm.branding or {}).get("tokens")


def test_post_without_csrf_is_refused(tenant, user_factory, page):
    admin = page(tenant, user_factory(tenant, "admin"))
    r = admin.post(PAGE, {**palette_form(), "action": "save"}, csrf=False)
    assert r.status_int == 400


def test_page_on_unknown_host_is_404(client):
    assert client(None, host="nowhere.example").get(PAGE).status_int == 404


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", API),
        ("PATCH", API),
        ("PUT", API + "/logo"),
        ("DELETE", API + "/logo"),
        ("PUT", API + "/favicon"),
        ("DELETE", API + "/favicon"),
    ],
)
def test_api_for_anonymous_learner_and_other_tenant(
    tenant, other_tenant, user_factory, client, foreign_client, method, path
):
    def call(c):
        if method == "GET":
            return c.get(path)
        if method == "DELETE":
            return c.delete(path)
        if method == "PATCH":
            return c.patch_json(path, {})
        return c.app.put(
            path,
            b"\x89PNG",
            **c._kw({"headers": {"Content-Type": "image/png"}}),
        )

    assert call(client(tenant)).status_int == 401
    assert call(client(tenant, user_factory(tenant, "learner"))).status_int == 403
    assert call(foreign_client(tenant, other_tenant)).status_int == 401
    assert call(client(None, host="nowhere.example")).status_int == 404


# ----------------------------------------------------------------- colours and contrast


def test_admin_saves_a_palette_and_the_site_uses_it(tenant, user_factory, page, client, events):
    admin_user = user_factory(tenant, "admin")
    admin = page(tenant, admin_user)
    r = save_form(
        admin,
        **{"token-color-primary": "#063", "token-color-link": "#0a4fa0", "font": "atkinson"},
    )
    assert r.status_int == 303 and r.headers["Location"].endswith("/admin/branding?saved=save")
    shown = admin.get(r.headers["Location"])
    assert "Branding saved." in shown.text
    assert 'value="#006633"' in shown.text
    data = client(tenant, admin_user).get(API).json
    # only what differs from the theme is stored
    assert data["tokens"] == {"color-primary": "#006633", "color-link": "#0a4fa0"}
    assert data["effective_tokens"]["color-text"] == brand.TOKENS["color-text"]
    assert data["font"] == "atkinson"
    assert {(c["foreground"], c["background"]) for c in data["contrast"]} == set(
        brand.CONTRAST_PAIRS
    )
    home = page(tenant).get("/")
    assert "--lh-color-primary: #006633;" in home.text
    assert "Atkinson Hyperlegible" in home.text
    [event] = [e for e in events.events if e.name == "tenant.branding_changed"]
    assert event.payload["changed"] == ["font", "tokens"]
    assert event.tenant_id == tenant.id


def test_contrast_failure_is_refused_with_the_measured_ratios(tenant, user_factory, page, db):
    admin = page(tenant, user_factory(tenant, "admin"))
    r = save_form(admin, **FAILING)
    assert r.status_int == 422
    tokens = dict(brand.TOKENS, **{"color-text": "#9a9a9a"})
    failures = brand.check_palette(tokens)
    assert {(f.foreground, f.background) for f in failures} == {
        ("color-text", "color-background"),
        ("color-text", "color-surface"),
    }
    for failure in failures:
        assert failure.message() in r.text
    assert 'value="#9a9a9a"' in r.text  # what was typed is shown again
    assert 'aria-invalid="true"' in r.text and 'href="#f-token-color-text"' in r.text
    assert "(too low)" in r.text
    db.expire_all()
    assert not (db.get(type(tenant.orm), tenant.id).branding or {}).get("tokens")


def test_api_contrast_failure_is_a_problem_with_ratios(tenant, user_factory, client, events):
    admin = client(tenant, user_factory(tenant, "admin"))
    r = admin.patch_json(
        API, {"tokens": {"color-on-primary": "#fefefe", "color-primary": "#dddddd"}}
    )
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    [error] = r.json["errors"]
    ratio = round(brand.contrast_ratio("#fefefe", "#dddddd"), 2)
    assert error == {
        "path": ["body", "tokens", "color-on-primary"],
        "message": brand.ContrastFailure("color-on-primary", "color-primary", ratio).message(),
        "type": "contrast",
        "foreground": "color-on-primary",
        "background": "color-primary",
        "ratio": ratio,
        "required": 4.5,
    }
    assert f"{ratio:.2f}:1" in r.json["detail"]
    assert events.events == []
    assert admin.get(API).json["tokens"] == {}


@pytest.mark.parametrize("value", ["red", "#12345", "#gggggg", "1d3557", "#1d35577", "#1d3557;x"])
def test_invalid_hex_is_refused(tenant, user_factory, client, page, value):
    admin_user = user_factory(tenant, "admin")
    r = client(tenant, admin_user).patch_json(API, {"tokens": {"color-primary": value}})
    assert r.status_int == 422
    assert r.json["errors"][0]["path"] == ["body", "tokens", "color-primary"]
    assert r.json["errors"][0]["type"] == "colour"
    r = save_form(page(tenant, admin_user), **{"token-color-primary": value})
    assert r.status_int == 422 and "Enter a colour such as #1d3557." in r.text


def test_api_patch_merges_tokens_and_null_restores_the_theme(tenant, user_factory, client):
    admin = client(tenant, user_factory(tenant, "admin"))
    assert admin.patch_json(API, {"tokens": {"color-primary": "#123"}}).status_int == 200
    r = admin.patch_json(API, {"tokens": {"color-link": "#0a4fa0", "radius": "0.5rem"}})
    assert r.json["tokens"] == {
        "color-primary": "#112233",
        "color-link": "#0a4fa0",
        "radius": "0.5rem",
    }
    r = admin.patch_json(API, {"tokens": {"color-primary": None}})
    assert "color-primary" not in r.json["tokens"]
    assert r.json["effective_tokens"]["color-primary"] == brand.TOKENS["color-primary"]


@pytest.mark.parametrize(
    "body, path",
    [
        ({"tokens": {"color-nope": "#000000"}}, ["body", "tokens", "color-nope"]),
        ({"tokens": {"radius": "3em; color: red"}}, ["body", "tokens", "radius"]),
        ({"font": "comic-sans"}, ["body", "font"]),
        ({"heading_font": "papyrus"}, ["body", "heading_font"]),
        ({"email_sender_name": "Evil\r\nBcc: x@example.org"}, ["body", "email_sender_name"]),
        ({"email_footer": "a\x00b"}, ["body", "email_footer"]),
        ({"footer_links": [{"title": "x", "url": "javascript:alert(1)"}]}, None),
        ({"footer_links": [{"title": "x", "url": "//evil.example"}]}, None),
        ({"footer_links": [{"title": "", "url": "/about"}]}, None),
        ({"footer_links": [{"title": "x", "url": "/x"}] * 11}, None),
        ({"colour": "#000"}, None),
    ],
)
def test_api_refuses_invalid_input(tenant, user_factory, client, body, path):
    r = client(tenant, user_factory(tenant, "admin")).patch_json(API, body)
    assert r.status_int == 422, r.text
    if path:
        assert [e["path"] for e in r.json["errors"]] == [path]


# ----------------------------------------------------------------- footer links, email


def test_footer_links_show_in_the_footer(tenant, user_factory, page, client):
    admin = page(tenant, user_factory(tenant, "admin"))
    r = save_form(
        admin,
        **{
            "link-0-title": "Privacy",
            "link-0-url": "https://example.org/privacy",
            "link-3-title": "About us",
            "link-3-url": "/about",
            "email_sender_name": "Acme Academy",
            "email_footer": "Acme Ltd, 1 Road, Town",
        },
    )
    assert r.status_int == 303
    home = page(tenant).get("/")
    assert '<a href="https://example.org/privacy">Privacy</a>' in home.text
    assert '<a href="/about">About us</a>' in home.text
    shown = admin.get(PAGE)
    assert 'value="Acme Academy"' in shown.text and "Acme Ltd, 1 Road, Town" in shown.text


def test_bad_footer_link_is_refused_on_the_page(tenant, user_factory, page):
    admin = page(tenant, user_factory(tenant, "admin"))
    r = save_form(
        admin,
        **{
            "link-0-title": "Fine",
            "link-0-url": "/fine",
            "link-2-title": "Evil",
            "link-2-url": "javascript:alert(1)",
        },
    )
    assert r.status_int == 422
    assert "Use an address starting with https://, http:// or /." in r.text
    assert 'id="f-link-2-url"' in r.text and 'href="#f-link-2-url"' in r.text


# ----------------------------------------------------------------- custom CSS


def test_custom_css_is_sanitized_stored_and_served(tenant, user_factory, page, client):
    admin_user = user_factory(tenant, "admin")
    r = save_form(
        page(tenant, admin_user), custom_css="/* brand */\n.lh-brand-name{letter-spacing:.1em}"
    )
    assert r.status_int == 303
    data = client(tenant, admin_user).get(API).json
    assert data["custom_css"] == ".lh-brand-name { letter-spacing: .1em; }\n"
    url = data["custom_css_url"]
    assert url.startswith("/branding/custom.css?v=")
    home = page(tenant).get("/")
    assert f'<link rel="stylesheet" href="{url}">' in home.text
    css = page(tenant).get(url)
    assert css.status_int == 200
    assert css.headers["Content-Type"].lower() == "text/css; charset=utf-8"
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.text == data["custom_css"]
    stale = page(tenant).get("/branding/custom.css?v=old")
    assert stale.status_int == 200 and stale.headers["Cache-Control"] == "public, max-age=60"
    again = page(tenant).get(url, headers={"If-None-Match": f'"{url.split("=")[1]}"'})
    assert again.status_int == 304


@pytest.mark.parametrize(
    "css, reason",
    [
        ('@import "https://evil.example/x.css";', "@import is not allowed"),
        ("body { background: url(https://evil.example/t.png) }", "url(https://evil.example/t.png)"),
        ("a { width: \\65xpression(alert(1)) }", "expression() is not allowed"),
        ("a::after { content: '</style>' }", "The text &lt;/style is not allowed."),
    ],
)
def test_custom_css_refused_with_the_reason(tenant, user_factory, page, client, css, reason):
    admin_user = user_factory(tenant, "admin")
    r = save_form(page(tenant, admin_user), custom_css=css)
    assert r.status_int == 422 and reason in r.text
    api = client(tenant, admin_user).patch_json(API, {"custom_css": css})
    assert api.status_int == 422
    assert api.json["errors"][0]["path"] == ["body", "custom_css"]
    assert api.json["errors"][0]["type"] == "css"
    assert reason.replace("&lt;", "<") in api.json["errors"][0]["message"]
    assert client(tenant, admin_user).get(API).json["custom_css"] == ""


def test_custom_css_can_be_cleared(tenant, user_factory, client, page):
    admin = client(tenant, user_factory(tenant, "admin"))
    assert admin.patch_json(API, {"custom_css": "a { color: red }"}).status_int == 200
    r = admin.patch_json(API, {"custom_css": ""})
    assert r.json["custom_css_url"] is None
    assert page(tenant).get("/branding/custom.css").status_int == 404


# ----------------------------------------------------------------- logo and favicon


def upload(page_, kind, name, data, content_type="application/octet-stream"):
    return page_.post(
        PAGE, {"action": f"upload_{kind}"}, upload_files=[("file", name, data, content_type)]
    )


@pytest.mark.parametrize(
    "kind, fmt, content_type",
    [
        ("logo", "png", "image/png"),
        ("logo", "jpeg", "image/jpeg"),
        ("logo", "webp", "image/webp"),
        ("favicon", "png", "image/png"),
        ("favicon", "ico", "image/x-icon"),
    ],
)
def test_page_upload_is_served_with_its_type(
    tenant, user_factory, page, images, events, kind, fmt, content_type
):
    admin = page(tenant, user_factory(tenant, "admin"))
    r = upload(admin, kind, f"brand.{fmt}", images[fmt])
    assert r.status_int == 303, r.text
    shown = admin.get(r.headers["Location"])
    url = f"/branding/{kind}?v="
    assert url in shown.text
    served_url = shown.text.split(url, 1)[1].split('"', 1)[0]
    served = page(tenant).get(url + served_url)
    assert served.status_int == 200 and served.body == images[fmt]
    assert served.headers["Content-Type"] == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    head = page(tenant).get("/")
    if kind == "logo":
        assert f'class="lh-logo" src="{url}{served_url}"' in head.text
    else:
        assert f'<link rel="icon" href="{url}{served_url}">' in head.text
    assert events.names() == ["tenant.branding_changed"]
    assert events.events[0].payload["changed"] == [f"{kind}_key", f"{kind}_version"]


@pytest.mark.parametrize(
    "kind, fmt, status, message",
    [
        ("logo", "svg", 415, "SVG images are not accepted"),
        ("favicon", "svg", 415, "SVG images are not accepted"),
        ("logo", "html", 415, "SVG images are not accepted"),
        ("logo", "gif", 415, "The file is not a JPG, PNG, WEBP image."),
        ("logo", "ico", 415, "The file is not a JPG, PNG, WEBP image."),
        ("favicon", "jpeg", 415, "The file is not a ICO, PNG image."),
        ("favicon", "webp", 415, "The file is not a ICO, PNG image."),
    ],
)
def test_page_upload_type_is_checked_by_content(
    tenant, user_factory, page, images, kind, fmt, status, message
):
    admin = page(tenant, user_factory(tenant, "admin"))
    # a lying file name and type do not help
    r = upload(admin, kind, "brand.png", images[fmt], "image/png")
    assert r.status_int == status and message in r.text
    assert page(tenant).get(f"/branding/{kind}").status_int == 404


def test_page_upload_limits(tenant, user_factory, page, images):
    admin = page(tenant, user_factory(tenant, "admin"))
    big = images["png"] + b"\0" * (1024 * 1024)
    r = upload(admin, "logo", "big.png", big)
    assert r.status_int == 413 and "Images are limited to 1 MB." in r.text
    r = upload(admin, "logo", "empty.png", b"")
    assert r.status_int == 422
    r = admin.post(PAGE, {"action": "upload_logo"})
    assert r.status_int == 422 and "Choose a file to upload." in r.text


def test_remove_logo_on_the_page(tenant, user_factory, page, images):
    admin = page(tenant, user_factory(tenant, "admin"))
    assert upload(admin, "logo", "l.png", images["png"]).status_int == 303
    assert page(tenant).get("/branding/logo").status_int == 200
    r = admin.post(PAGE, {"action": "remove_logo"})
    assert r.status_int == 303
    assert "Logo removed." in admin.get(r.headers["Location"]).text
    assert page(tenant).get("/branding/logo").status_int == 404


def test_api_upload_and_delete(tenant, user_factory, client, images, page):
    admin = client(tenant, user_factory(tenant, "admin"))

    def put(path, data, ctype):
        return admin.app.put(path, data, **admin._kw({"headers": {"Content-Type": ctype}}))

    assert put(API + "/logo", images["jpeg"], "image/png").status_int == 415  # lies
    assert put(API + "/logo", images["svg"], "image/svg+xml").status_int == 415
    assert put(API + "/logo", images["gif"], "image/gif").status_int == 415
    assert put(API + "/logo", b"", "image/png").status_int == 422
    too_big = put(API + "/logo", images["png"] + b"\0" * 1024 * 1024, "image/png")
    assert too_big.status_int == 413 and too_big.content_type == "application/problem+json"
    r = put(API + "/logo", images["webp"], "image/webp")
    assert r.status_int == 200 and r.json["logo_url"].startswith("/branding/logo?v=")
    assert page(tenant).get(r.json["logo_url"]).headers["Content-Type"] == "image/webp"
    r = put(API + "/favicon", images["ico"], "image/vnd.microsoft.icon")
    assert r.status_int == 200
    assert page(tenant).get(r.json["favicon_url"]).headers["Content-Type"] == "image/x-icon"
    assert put(API + "/favicon", images["jpeg"], "image/jpeg").status_int == 415
    assert admin.delete(API + "/logo").status_int == 204
    assert admin.delete(API + "/logo").status_int == 204  # idempotent
    assert page(tenant).get("/branding/logo").status_int == 404
    assert admin.get(API).json["logo_url"] is None


def test_a_new_logo_gets_a_new_version(tenant, user_factory, client, images, page):
    admin = client(tenant, user_factory(tenant, "admin"))

    def put(data):
        return admin.app.put(
            API + "/logo", data, **admin._kw({"headers": {"Content-Type": "image/png"}})
        )

    first = put(images["png"]).json["logo_url"]
    second = put(images["ico"][22:]).json["logo_url"]  # the 16x16 PNG inside the icon
    assert first != second
    old = page(tenant).get(first)
    assert old.status_int == 200 and old.headers["Cache-Control"] == "public, max-age=60"
    assert old.body == images["ico"][22:]  # always the current file


# ----------------------------------------------------------------- isolation


def test_admin_of_one_tenant_cannot_touch_another(
    tenant, other_tenant, user_factory, client, page, foreign_client, images
):
    b_admin = user_factory(other_tenant, "admin")
    b = client(other_tenant, b_admin)
    r = b.app.put(API + "/logo", images["png"], **b._kw({"headers": {"Content-Type": "image/png"}}))
    assert r.status_int == 200
    assert b.patch_json(API, {"custom_css": "a { color: red }"}).status_int == 200
    # B's files are not served on A's host
    assert page(tenant).get("/branding/logo").status_int == 404
    assert page(tenant).get(r.json["logo_url"]).status_int == 404
    assert page(tenant).get("/branding/custom.css").status_int == 404
    assert page(other_tenant).get(r.json["logo_url"]).status_int == 200
    # A's admin token and session do not work on B
    a_admin = user_factory(tenant, "admin")
    probe = foreign_client(other_tenant, tenant)
    assert probe.get(API).status_int == 401
    assert probe.patch_json(API, {"tokens": {"color-primary": "#000000"}}).status_int == 401
    assert probe.delete(API + "/logo").status_int == 401
    a_session = page(tenant, a_admin)
    hijack = page(other_tenant)
    hijack.cookies.update(a_session.cookies)
    assert hijack.get(PAGE).status_int == 303  # not signed in there
    # A's own API sees only A's branding
    mine = client(tenant, a_admin).get(API).json
    assert mine["logo_url"] is None and mine["custom_css"] == ""
    assert b.get(API).json["custom_css"] == "a { color: red; }\n"


def test_public_files_on_unknown_host(client):
    for path in ("/branding/logo", "/branding/favicon", "/branding/custom.css"):
        assert client(None, host="nowhere.example").get(path).status_int == 404
