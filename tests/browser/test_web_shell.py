"""Browser acceptance tests of the web shell (Playwright + Debian chromium): themes and
branding per tenant, the admin's theme switch, right-to-left pages, axe-core on every
page in both themes (and in high-contrast mode), keyboard use, and screenshots in
var/screenshots/ (shell-*.png)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from learninghub import branding
from learninghub.testing.browser import (
    LiveTenant,
    axe_violations,
    screenshot,
    sign_in,
    solid_png,
    tab_through,
)

pytestmark = pytest.mark.slow

THEMES = ("default", "campus")
VIEWPORT = {"width": 1280, "height": 800}
#: a tenant's own primary colour over the default theme's (the campus tenant keeps its
#: theme's palette)
NORTH_PRIMARY = "#5b2a86"
#: plugins enabled for both tenants: their pages are checked by axe too
PLUGINS = ["announcements", "audit", "webhooks", "config"]


def rgb(hex_colour: str) -> str:
    r, g, b = branding.parse_hex(hex_colour)
    return f"rgb({r}, {g}, {b})"


@dataclass
class World:
    tenants: dict[str, LiveTenant]
    admins: dict[str, str] = field(default_factory=dict)
    learners: dict[str, str] = field(default_factory=dict)
    arabic: dict[str, str] = field(default_factory=dict)
    #: (theme, high contrast) → the admin whose pages axe checks
    axe_admins: dict[tuple[str, bool], str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(live_app) -> World:
    """Two tenants on two hosts: "north" (default theme, its own primary colour, a blue
    logo) and "south" (campus theme and palette, a gold logo), each with the
    announcements plugin, one published announcement, an admin, a learner and an Arabic
    speaking learner."""
    north = live_app.create_tenant(
        "north",
        "North College",
        plugins=PLUGINS,
        theme="default",
        branding={"tokens": {"color-primary": NORTH_PRIMARY}},
    )
    south = live_app.create_tenant("south", "South Campus", plugins=PLUGINS, theme="campus")
    live_app.set_logo(north, solid_png(120, 40, (29, 78, 216)))
    live_app.set_logo(south, solid_png(40, 40, (240, 180, 41)))
    w = World(tenants={"default": north, "campus": south})
    for theme, tenant in w.tenants.items():
        admin = f"admin@{tenant.slug}.example.org"
        admin_id = live_app.create_user(tenant, admin, roles=("admin",), display_name="Ada Admin")
        w.admins[theme] = admin
        w.learners[theme] = f"learner@{tenant.slug}.example.org"
        live_app.create_user(tenant, w.learners[theme], display_name="Lena Learner")
        w.arabic[theme] = f"arabic@{tenant.slug}.example.org"
        live_app.create_user(tenant, w.arabic[theme], display_name="Layla", locale="ar")
        for hc in (False, True):
            email = f"axe-{'hc' if hc else 'std'}@{tenant.slug}.example.org"
            live_app.create_user(tenant, email, roles=("admin",), display_name="Axe Admin")
            w.axe_admins[(theme, hc)] = email
        status, body = live_app.api(
            tenant,
            "POST",
            "/api/v1/announcements",
            {
                "title": "Library opens late on Friday",
                "body": "<p>Until 22:00.</p>",
                "publish": True,
            },
            user_id=admin_id,
        )
        assert status == 201, body
    return w


def new_page(chromium, **options: Any):
    context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", **options)
    return context.new_page()


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not rendered"
    return found


# ------------------------------------------------------------------ (a) two tenants


def test_two_tenants_show_two_layouts_and_two_palettes(chromium, world):
    seen = {}
    for theme, tenant in world.tenants.items():
        page = new_page(chromium)
        try:
            page.goto(tenant.base + "/login")
            classes = page.locator("html").get_attribute("class")
            header_bg = page.evaluate(
                "() => getComputedStyle(document.querySelector('body > header, .c-sidebar'))"
                ".backgroundColor"
            )
            header = box(page, "header")
            main = box(page, "main")
            seen[theme] = header_bg
            fonts = page.evaluate(
                """async () => { await document.fonts.ready; return {
                    body: getComputedStyle(document.body).fontFamily,
                    heading: getComputedStyle(document.querySelector('h1')).fontFamily,
                    loaded: [...document.fonts].filter(f => f.status === 'loaded')
                        .map(f => f.family.replace(/["']/g, ''))}; }"""
            )
            screenshot(page, f"shell-login-{theme}")
        finally:
            page.context.close()
        assert f"theme-{theme}" in classes
        if theme == "default":
            # a top bar across the page, the content below it
            assert header["y"] == 0 and header["width"] >= VIEWPORT["width"] - 1
            assert main["y"] >= header["y"] + header["height"]
            assert header_bg == rgb(NORTH_PRIMARY), "the tenant's primary colour wins"
            assert fonts["body"].startswith("system-ui"), fonts
        else:
            # a sidebar at the inline-start (left) side, the content beside it
            assert header["x"] == 0 and header["width"] < VIEWPORT["width"] / 3
            assert header["height"] >= VIEWPORT["height"] - 1
            assert main["x"] >= header["x"] + header["width"]
            assert header_bg == rgb("#1f4d3a"), "the campus theme's primary colour"
            # the theme's fonts, self-hosted from npm, are applied and downloaded
            assert fonts["body"].startswith('"Atkinson Hyperlegible"'), fonts
            assert fonts["heading"].startswith("Merriweather"), fonts
            assert {"Atkinson Hyperlegible", "Merriweather"} <= set(fonts["loaded"]), fonts
    assert seen["default"] != seen["campus"]


def test_two_tenants_show_two_logos(chromium, world, live_app):
    sources = {}
    for theme, tenant in world.tenants.items():
        page = new_page(chromium)
        try:
            page.goto(tenant.base + "/login")
            logo = page.locator("img.lh-logo")
            assert logo.count() == 1, "the tenant's logo is in the banner"
            src = logo.get_attribute("src")
            status, content_type = page.evaluate(
                "async (u) => { const r = await fetch(u);"
                " return [r.status, r.headers.get('content-type') || '']; }",
                src,
            )
            if status == 404 and theme == "default":
                pytest.skip(
                    "GET /branding/logo answers 404: the logo route arrives with "
                    "/admin/branding (a colleague's work in progress)"
                )
            assert status == 200 and content_type.startswith("image/"), (status, content_type)
            page.wait_for_function(
                "() => { const i = document.querySelector('img.lh-logo'); "
                "return i.complete && i.naturalWidth > 0; }"
            )
            sources[theme] = (
                src,
                page.evaluate("document.querySelector('img.lh-logo').naturalWidth"),
            )
        finally:
            page.context.close()
    assert sources["default"][0] != sources["campus"][0]
    assert (sources["default"][1], sources["campus"][1]) == (120, 40)


def test_an_admin_uploads_a_logo_on_the_branding_page(chromium, live_app):
    tenant = live_app.create_tenant("upload", "Upload University")
    live_app.create_user(tenant, "boss@upload.example.org", roles=("admin",))
    page = new_page(chromium)
    try:
        sign_in(page, tenant.base, "boss@upload.example.org")
        response = page.goto(tenant.base + "/admin/branding")
        if response.status == 404:
            pytest.skip("/admin/branding answers 404: a colleague's page, not built yet")
        assert page.locator("img.lh-logo").count() == 0
        page.locator("#f-file-logo").set_input_files(
            {"name": "logo.png", "mimeType": "image/png", "buffer": solid_png(64, 32, (0, 0, 0))}
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Upload logo").click()
        page.goto(tenant.base + "/dashboard")
        page.wait_for_function(
            "() => { const i = document.querySelector('img.lh-logo'); "
            "return i && i.complete && i.naturalWidth === 64; }"
        )
    finally:
        page.context.close()


# ------------------------------------------------------------------ (b) theme switch


def test_an_admin_switches_the_theme_on_the_site_settings_page(chromium, live_app):
    tenant = live_app.create_tenant("switch", "Switch School", theme="default")
    live_app.create_user(tenant, "boss@switch.example.org", roles=("admin",))
    page = new_page(chromium)
    try:
        sign_in(page, tenant.base, "boss@switch.example.org")
        page.goto(tenant.base + "/admin")
        assert "theme-default" in page.locator("html").get_attribute("class")
        # mouse: pick the theme; keyboard: reach "Save settings" and press Enter
        page.get_by_label("Campus").click()
        assert page.get_by_label("Campus").is_checked()
        page.get_by_label("Campus").focus()
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.textContent.trim()") == "Save settings":
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/admin?saved=1")
        assert page.get_by_role("status").inner_text() == "Settings saved."
        page.goto(tenant.base + "/dashboard")
        assert "theme-campus" in page.locator("html").get_attribute("class")
        assert page.locator(".c-sidebar").count() == 1
        assert box(page, "header")["height"] >= VIEWPORT["height"] - 1
    finally:
        page.context.close()


# ------------------------------------------------------------------ (c) right to left


@pytest.mark.parametrize("theme", THEMES)
def test_an_arabic_speaker_gets_a_mirrored_right_to_left_page(chromium, world, theme):
    tenant = world.tenants[theme]
    pages = {}
    for who in ("learner", "arabic"):
        page = new_page(chromium)
        sign_in(page, tenant.base, getattr(world, "learners" if who == "learner" else who)[theme])
        page.goto(tenant.base + "/dashboard")
        pages[who] = page
    try:
        ltr, rtl = pages["learner"], pages["arabic"]
        assert ltr.locator("html").get_attribute("dir") == "ltr"
        assert rtl.locator("html").get_attribute("dir") == "rtl"
        assert rtl.locator("html").get_attribute("lang") == "ar"
        width = VIEWPORT["width"]
        brand_ltr, brand_rtl = box(ltr, ".lh-brand"), box(rtl, ".lh-brand")
        nav_ltr, nav_rtl = box(ltr, ".lh-nav"), box(rtl, ".lh-nav")
        # the brand sits at the start: left in English, right in Arabic
        assert brand_ltr["x"] < width / 4
        assert brand_rtl["x"] + brand_rtl["width"] > width * 3 / 4
        if theme == "default":
            assert nav_ltr["x"] > brand_ltr["x"] and nav_rtl["x"] < brand_rtl["x"]
        else:
            header = box(rtl, "header")
            main = box(rtl, "main")
            assert header["x"] + header["width"] >= width - 1, "the sidebar is on the right"
            assert main["x"] + main["width"] <= header["x"] + 1
        sheets = rtl.evaluate("() => [...document.styleSheets].map(s => s.href || '')")
        assert any(branding.ARABIC_FONT_STYLESHEET in s for s in sheets)
        loaded = rtl.evaluate(
            """async () => { await document.fonts.ready; return [...document.fonts]
                .filter(f => f.status === 'loaded').map(f => f.family.replace(/["']/g, '')); }"""
        )
        if theme == "campus":  # (system-ui, the default theme's first choice, may cover Arabic)
            assert "Noto Sans Arabic" in loaded, "Arabic text gets the self-hosted Arabic font"
        screenshot(rtl, f"shell-dashboard-{theme}-ar")
    finally:
        for page in pages.values():
            page.context.close()


# ------------------------------------------------------------------ (d) axe-core

ANONYMOUS_PAGES = ("/", "/login", "/signup", "/forgot-password", "/no-such-page")
ADMIN_PAGES = (
    "/dashboard",
    "/account/profile",
    "/account/security",
    "/preferences/display",
    "/admin",
    "/admin/plugins",
    "/admin/users",
    "/admin/branding",
    "/admin/domains",
    "/announcements",
    "/admin/audit",
    "/admin/audit/verify",
    "/admin/webhooks",
    "/admin/settings",
    "/admin/settings/announcements",
    "/admin/flags",
)


def set_high_contrast(page, base: str) -> None:
    page.goto(base + "/preferences/display")
    page.get_by_label("High-contrast mode").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "hc" in (page.locator("html").get_attribute("class") or "").split()


@pytest.fixture(scope="module")
def axe_pages(chromium, world):
    """(theme, high contrast, signed in) → a page of its own browser context, made once."""
    made: dict[tuple[str, bool, bool], Any] = {}

    def get(theme: str, hc: bool, signed_in: bool):
        key = (theme, hc, signed_in)
        if key not in made:
            page = new_page(chromium)
            base = world.tenants[theme].base
            if signed_in:
                sign_in(page, base, world.axe_admins[(theme, hc)])
            if hc:
                set_high_contrast(page, base)
            made[key] = page
        return made[key]

    yield get
    for page in made.values():
        page.context.close()


@pytest.mark.parametrize("contrast", ("standard", "high-contrast"))
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(
    "path", [*ANONYMOUS_PAGES, *ADMIN_PAGES], ids=lambda p: p.strip("/") or "home"
)
def test_axe_finds_no_serious_or_critical_violation(axe_pages, world, path, theme, contrast):
    hc = contrast == "high-contrast"
    page = axe_pages(theme, hc, path in ADMIN_PAGES)
    response = page.goto(world.tenants[theme].base + path)
    assert response.status == (404 if path == "/no-such-page" else 200), page.url
    assert page.url.endswith(path), f"{path} redirected to {page.url}"
    classes = (page.locator("html").get_attribute("class") or "").split()
    assert f"theme-{theme}" in classes and ("hc" in classes) == hc
    if path == "/dashboard":
        screenshot(page, f"shell-dashboard-{theme}-{contrast}")
    violations = axe_violations(page)
    assert not violations, f"{path} ({theme}, {contrast}):\n" + "\n".join(violations)


# ------------------------------------------------------------------ (e) keyboard


@pytest.mark.parametrize("theme", THEMES)
def test_login_by_keyboard_with_visible_focus(chromium, world, theme):
    tenant = world.tenants[theme]
    page = new_page(chromium)
    try:
        page.goto(tenant.base + "/login")
        stops = tab_through(page, 40)
        described = "\n".join(map(str, stops))
        assert stops and stops[0].href == "#content", f"skip link first:\n{described}"
        assert stops[0].visible, "the skip link shows when focused"
        ids = [s.id for s in stops]
        for control in ("email", "password", "lh-lang-select"):
            assert control in ids, f"#{control} is reachable:\n{described}"
        assert ids.index("email") < ids.index("password")
        names = [s.name for s in stops]
        for name in ("Sign in", "Forgot your password?", "Create an account", "Change"):
            assert name in names, f"{name!r} is reachable:\n{described}"
        submit = [s for s in stops if s.name == "Sign in" and s.tag == "button"]
        assert submit and ids.index("password") < stops.index(submit[0])
        missing_ring = [str(s) for s in stops if not (s.ring and s.visible)]
        assert not missing_ring, "focus indicator missing:\n" + "\n".join(missing_ring)

        # the skip link moves the focus to the main content
        page.goto(tenant.base + "/login")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "content"

        # sign in with the keyboard only
        page.goto(tenant.base + "/login")
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == "email":
                break
        page.keyboard.type(world.learners[theme])
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "password"
        page.keyboard.type("correct horse battery staple")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/dashboard"), page.url
    finally:
        page.context.close()


FOCUSABLE = "a[href], button, summary, select, textarea, input:not([type=hidden]), [tabindex='0']"


@pytest.mark.parametrize("theme", THEMES)
def test_dashboard_controls_are_all_reachable_by_tab_and_the_user_menu_opens(
    chromium, world, theme
):
    tenant = world.tenants[theme]
    page = new_page(chromium)
    try:
        sign_in(page, tenant.base, world.admins[theme])
        page.goto(tenant.base + "/dashboard")
        # every visible control of the banner, main and footer, named by an id
        expected = page.evaluate(
            """(sel) => [...document.querySelectorAll(
                    `header :is(${sel}), main :is(${sel}), footer :is(${sel})`)]
                .filter(el => el.checkVisibility())
                .map((el, i) => { if (!el.id) el.id = `tabcheck-${i}`; return el.id; })""",
            FOCUSABLE,
        )
        assert len(expected) >= 8
        stops = tab_through(page, 80)
        reached = {s.id for s in stops}
        missed = [i for i in expected if i not in reached]
        assert not missed, f"not reachable by Tab: {missed}\n" + "\n".join(map(str, stops))
        no_ring = [str(s) for s in stops if not s.ring]
        assert not no_ring, "focus indicator missing:\n" + "\n".join(no_ring)

        # the user menu: a disclosure that Enter opens, its links then in the Tab order
        summary = page.locator(".lh-user-menu summary")
        summary.focus()
        assert not page.locator(".lh-user-menu").evaluate("d => d.open")
        page.keyboard.press("Enter")
        assert page.locator(".lh-user-menu").evaluate("d => d.open")
        menu_links = page.locator(".lh-user-menu ul a")
        assert menu_links.count() >= 3 and menu_links.first.is_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('.lh-user-menu ul') !== null")
        screenshot(page, f"shell-user-menu-{theme}", full_page=False)
    finally:
        page.context.close()


# ------------------------------------------------------------------ (f) screenshots


@pytest.mark.parametrize("theme", THEMES)
def test_dashboard_screenshots(chromium, world, theme):
    tenant = world.tenants[theme]
    page = new_page(chromium)
    try:
        sign_in(page, tenant.base, world.admins[theme])
        page.goto(tenant.base + "/dashboard")
        assert page.locator("#w-announcements-latest").count() == 1
        path = screenshot(page, f"shell-dashboard-{theme}")
        assert path.stat().st_size > 5000
        page.set_viewport_size({"width": 390, "height": 844})
        header = box(page, "header")
        assert header["width"] <= 390 and header["height"] < 300, "a top bar on a phone"
        screenshot(page, f"shell-dashboard-{theme}-narrow")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, (
            "nothing overflows sideways on a phone"
        )
    finally:
        page.context.close()


def test_pages_work_without_javascript(chromium, world):
    tenant = world.tenants["campus"]
    page = new_page(chromium, java_script_enabled=False)
    try:
        sign_in(page, tenant.base, world.learners["campus"])
        page.goto(tenant.base + "/announcements")
        assert page.get_by_role("heading", name="Announcements").is_visible()
        page.locator(".lh-user-menu summary").click()
        assert page.locator(".lh-user-menu ul a").first.is_visible()
        assert re.search(r"/vendor/htmx\.min\.js\?x=", page.content())
    finally:
        page.context.close()
