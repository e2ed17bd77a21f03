"""The installed themes (default and campus): registration, palettes, layouts and the
head every page gets (fonts, design tokens, theme stylesheet, deferred scripts)."""

import re

import pytest

from learninghub import branding

THEMES = ("default", "campus")
PHYSICAL = re.compile(
    r"(?<![-\w])(?:margin|padding|border|inset)-(?:left|right|top|bottom)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|text-align:\s*(?:left|right)"
    r"|float:\s*(?:left|right)"
)


@pytest.fixture
def themed(tenant, db, registry):
    def set_theme(name: str, locale: str = ""):
        tenant.orm.theme = name
        if locale:
            tenant.orm.default_locale = locale
        db.flush()
        registry["tenancy.resolver"].invalidate()
        return tenant

    return set_theme


@pytest.mark.parametrize("name", THEMES)
def test_theme_is_installed_and_its_palette_passes_the_contrast_check(registry, name):
    theme = registry["themes"].themes[name]
    assert theme.templates.joinpath("layout.jinja2").is_file()
    assert branding.check_palette(branding.merged_tokens(theme.tokens, None)) == []
    for key in (theme.font, theme.heading_font or theme.font):
        assert key in branding.FONTS


def test_the_campus_theme_has_its_own_palette_and_fonts(registry):
    default, campus = (registry["themes"].themes[n] for n in THEMES)
    assert campus.tokens["color-primary"] != default.tokens["color-primary"]
    assert campus.tokens["color-background"] != default.tokens["color-background"]
    assert (campus.font, campus.heading_font) == ("atkinson", "merriweather")


@pytest.mark.parametrize("name", THEMES)
def test_theme_css_uses_logical_properties_only_so_rtl_mirrors(registry, name):
    css = (registry["themes"].themes[name].static / "theme.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not PHYSICAL.findall(css)


@pytest.mark.parametrize("name", THEMES)
def test_a_page_in_each_theme_has_its_layout_stylesheets_and_deferred_scripts(themed, client, name):
    html = client(themed(name)).get("/login").text
    assert f"theme-{name}" in re.search(r"<html[^>]*>", html).group(0)
    assert re.search(rf'href="[^"]*/static/themes/{name}/theme\.css\?x=[0-9a-f]{{12}}"', html)
    assert ('class="c-sidebar"' in html) == (name == "campus")
    assert ('class="d-topbar"' in html) == (name == "default")
    for block in ('id="content"', 'class="lh-skip"', 'class="lh-brand"', 'class="lh-footer"'):
        assert block in html
    assert len(re.findall(r"<script defer src=", html)) == 2


def test_font_stacks_reach_the_page_unescaped(themed, client):
    html = client(themed("campus")).get("/login").text
    style = re.search(r"<style>:root \{(.*?)\}</style>", html, re.S).group(1)
    assert '--lh-font-heading: "Merriweather"' in style
    assert '--lh-font-body: "Atkinson Hyperlegible"' in style
    assert "&#34;" not in style
    for key in ("atkinson", "merriweather"):
        assert f"/static/kernel/vendor/fonts/{key}.css?x=" in html


def test_right_to_left_campus_pages_load_both_arabic_fonts(themed, client):
    html = client(themed("campus", locale="ar")).get("/login").text
    assert 'dir="rtl"' in html
    assert "/vendor/fonts/noto-sans-arabic.css?x=" in html
    assert "/vendor/fonts/noto-naskh-arabic.css?x=" in html
