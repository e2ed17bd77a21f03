"""Front-end assets from npm (scripts/assets.sh) and how the kernel serves static files:
every font stylesheet the branding offers exists with the files it points at, and static
URLs are cache-busted and cached for a year."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from learninghub import branding

STATIC = Path(branding.__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
SET_UP = "run scripts/setup.sh (or scripts/assets.sh) to copy the npm assets"
YEAR = 31536000


def font_stylesheets() -> list[str]:
    sheets = [f.stylesheet for f in branding.FONTS.values() if f.stylesheet]
    return sorted({*sheets, branding.ARABIC_FONT_STYLESHEET, "vendor/fonts/noto-naskh-arabic.css"})


def test_the_vendor_folder_holds_htmx_and_alpine():
    for name in ("htmx.min.js", "alpine.min.js"):
        path = VENDOR / name
        assert path.is_file() and path.stat().st_size > 1000, f"{path} missing: {SET_UP}"


@pytest.mark.parametrize("sheet", font_stylesheets())
def test_every_font_stylesheet_exists_and_each_url_it_names_exists(sheet):
    path = STATIC / sheet
    assert path.is_file(), f"{path} missing: {SET_UP}"
    css = path.read_text(encoding="utf-8")
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css)
    assert urls, f"{sheet} has no url()"
    weights = set(re.findall(r"font-weight:\s*(\d+)", css))
    assert weights == {"400", "700"}
    for url in urls:
        target = urlsplit(url).path
        assert not urlsplit(url).scheme and not url.startswith("//"), f"{url}: never a CDN"
        assert target.endswith(".woff2")
        assert (path.parent / target).is_file(), f"{sheet} names {url}, which does not exist"


def test_every_font_face_has_a_unicode_range_so_only_needed_subsets_download():
    for sheet in font_stylesheets():
        css = (STATIC / sheet).read_text(encoding="utf-8")
        faces = re.findall(r"@font-face\s*{[^}]*}", css)
        assert faces and all("unicode-range" in face for face in faces), sheet


def test_pages_link_cache_busted_static_urls(tenant, client):
    html = client(tenant).get("/login").text
    match = re.search(r'href="([^"]*/static/kernel/css/base\.css\?x=[0-9a-f]{12})"', html)
    assert match, "the kernel stylesheet is linked with a ?x=<content hash> token"
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"[^>]*>", html)
    for name in ("htmx.min.js", "alpine.min.js"):
        tags = [t for t in re.findall(r"<script[^>]*>", html) if f"/vendor/{name}?x=" in t]
        assert tags, f"{name} is loaded with a cache-busting token ({scripts})"
        assert all(" defer" in t for t in tags), f"{name} is deferred"
        assert "missing" not in tags[0], f"{name} is not in static/vendor: {SET_UP}"


def test_static_files_are_served_with_a_year_of_cache(tenant, client):
    html = client(tenant).get("/login").text
    url = re.search(r'href="([^"]*/static/kernel/css/base\.css\?x=[^"]+)"', html).group(1)
    r = client(tenant).get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert r.status_int == 200
    assert r.content_type == "text/css"
    assert f"max-age={YEAR}" in r.headers["Cache-Control"]
    assert "--lh-color" in r.text
    plain = client(tenant).get("/static/kernel/css/base.css")
    assert plain.status_int == 200 and f"max-age={YEAR}" in plain.headers["Cache-Control"]


def test_font_files_are_served_from_the_kernel_static_view(tenant, client):
    css = client(tenant).get("/static/kernel/" + branding.ARABIC_FONT_STYLESHEET)
    assert css.status_int == 200
    first = re.search(r"url\(([^)]+)\)", css.text).group(1)
    font = client(tenant).get("/static/kernel/vendor/fonts/" + urlsplit(first).path)
    assert font.status_int == 200
    assert font.body[:4] == b"wOF2"
    assert f"max-age={YEAR}" in font.headers["Cache-Control"]
