"""Browser test kit: the app served for real, Debian's chromium through Playwright, and
helpers for what a person does and needs (sign in, keyboard, accessibility, screenshots).

Fixtures (registered by :mod:`learninghub.testing.plugin`):

``live_app``      (module) a :class:`LiveApp`: the app on a temporary SQLite file, served by
                  waitress on a free 127.0.0.1 port in a thread; tenants answer on
                  ``<slug>.localhost:<port>`` (chromium resolves ``*.localhost`` to
                  loopback). Rate limiting is off (tests sign in many times from one IP).
``chromium``      (module) a Playwright ``Browser`` on ``/usr/bin/chromium`` (never a
                  downloaded build); skips, saying why, when chromium or Playwright is
                  missing.
``browser_page``  a fresh context and page (1280×800), closed after the test.

Helpers: :func:`sign_in`, :func:`axe_violations` (axe-core from ``node_modules``, put
there by ``scripts/assets.sh``), :func:`tab_through`, :func:`screenshot` (PNGs in
``var/screenshots/``), :func:`solid_png`.

Set-up goes straight to the database of the live app (it commits for real, so the
server's threads see it)::

    def test_x(live_app, browser_page):
        t = live_app.create_tenant("acme", theme="campus", plugins=["announcements"])
        live_app.create_user(t, "ada@example.org", roles=("admin",), locale="ar")
        sign_in(browser_page, t.base, "ada@example.org", PASSWORD)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .pages import solid_png  # noqa: F401  (re-exported for browser tests)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: flags that work in this project's containers (see the browser recipe)
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
)
#: WCAG 2.0, 2.1 and 2.2, levels A and AA
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")


def repository_root() -> Path:
    """The checkout holding ``node_modules`` and ``var/`` (``LEARNINGHUB_ROOT`` if set,
    else the first parent of this package or of the working directory with a
    ``package.json``)."""
    env = os.environ.get("LEARNINGHUB_ROOT")
    if env:
        return Path(env)
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "package.json").is_file():
                return folder
    return Path.cwd()


ROOT = repository_root()
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"


# --------------------------------------------------------------------------- live app


@dataclass(frozen=True)
class LiveTenant:
    id: uuid.UUID
    slug: str
    #: ``<slug>.localhost:<port>``
    host: str

    @property
    def base(self) -> str:
        return f"http://{self.host}"


class LiveApp:
    """The app served on loopback, and direct set-up of its database."""

    def __init__(self, registry, port: int, folder: Path) -> None:
        self.registry = registry
        self.port = port
        self.folder = folder
        self.mail_path = Path(registry.settings["mail.path"])

    def host(self, slug: str) -> str:
        return f"{slug}.localhost:{self.port}"

    def base(self, slug: str) -> str:
        return f"http://{self.host(slug)}"

    def invalidate(self) -> None:
        """Forget cached tenant snapshots (the server sees set-up changes at once)."""
        self.registry["tenancy.resolver"].invalidate()

    @contextmanager
    def session(self, tenant: LiveTenant | None = None) -> Iterator[Any]:
        """A database session in its own committed transaction: a system session, or
        bound to ``tenant`` for tenant-scoped rows."""
        import transaction

        from learninghub.db import bind_tenant, system_session
        from learninghub.tasks import make_tenant_request

        tm = transaction.TransactionManager(explicit=True)
        try:
            with tm:
                db = make_tenant_request(self.registry, None, tm).db
                if tenant is None:
                    system_session(db)
                else:
                    bind_tenant(db, tenant.id)
                yield db
        finally:
            self.invalidate()

    def create_tenant(
        self,
        slug: str | None = None,
        name: str | None = None,
        *,
        plugins: tuple[str, ...] | list[str] = (),
        theme: str | None = None,
        branding: dict[str, Any] | None = None,
        default_locale: str | None = None,
    ) -> LiveTenant:
        from learninghub.cli import create_tenant

        slug = slug or f"t{uuid.uuid4().hex[:8]}"
        with self.session() as db:
            row = create_tenant(self.registry, db, slug, name or slug.title(), list(plugins))
            if theme is not None:
                row.theme = theme
            if branding is not None:
                row.branding = dict(branding)
            if default_locale is not None:
                row.default_locale = default_locale
            tenant = LiveTenant(row.id, row.slug, self.host(row.slug))
        return tenant

    def update_tenant(self, tenant: LiveTenant, **values: Any) -> None:
        """Set columns of the tenant's row (``theme``, ``default_locale``, ``name``...)."""
        from learninghub.tenancy import Tenant

        with self.session() as db:
            row = db.get(Tenant, tenant.id)
            for key, value in values.items():
                setattr(row, key, value)

    def set_theme(self, tenant: LiveTenant, theme: str) -> None:
        self.update_tenant(tenant, theme=theme)

    def set_default_locale(self, tenant: LiveTenant, locale: str) -> None:
        self.update_tenant(tenant, default_locale=locale)

    def set_branding(self, tenant: LiveTenant, **fields: Any) -> dict[str, Any]:
        """Merge ``fields`` into ``tenants.branding`` (``tokens=`` merges too); returns it."""
        from learninghub.tenancy import Tenant

        with self.session() as db:
            row = db.get(Tenant, tenant.id)
            data = dict(row.branding or {})
            if "tokens" in fields:
                data["tokens"] = {**data.get("tokens", {}), **fields.pop("tokens")}
            data.update(fields)
            row.branding = data
            return data

    def set_logo(self, tenant: LiveTenant, data: bytes, extension: str = "png") -> str:
        """Store a logo through the file storage service and point the branding at it."""
        version = hashlib.sha256(data).hexdigest()[:12]
        key = f"branding/logo-{version}.{extension}"
        self.storage().save(tenant.id, key, data, content_type=f"image/{extension}")
        self.set_branding(tenant, logo_key=key, logo_version=version)
        return key

    def storage(self):
        import transaction

        from learninghub.interfaces import IFileStorage
        from learninghub.tasks import make_tenant_request

        request = make_tenant_request(self.registry, None, transaction.TransactionManager())
        return request.find_service(IFileStorage)

    def enable_plugin(self, tenant: LiveTenant, name: str) -> list[str]:
        from learninghub.plugins import TenantPlugins
        from learninghub.tenancy import Tenant

        with self.session(tenant) as db:
            return TenantPlugins(self.registry, db, db.get(Tenant, tenant.id)).enable(name)

    def create_user(
        self,
        tenant: LiveTenant,
        email: str | None = None,
        password: str | None = None,
        roles: tuple[str, ...] = ("learner",),
        *,
        display_name: str = "",
        locale: str = "",
        verified: bool = True,
        **attributes: Any,
    ) -> uuid.UUID:
        """A user of ``tenant`` with ``roles`` (``high_contrast=True``, ``font_scale=150``
        and other ``User`` columns through ``attributes``); returns its id."""
        from learninghub.identity import create_user

        from .plugin import PASSWORD

        password = PASSWORD if password is None else password
        email = email or f"{roles[0]}-{uuid.uuid4().hex[:6]}@example.org"
        with self.session(tenant) as db:
            user = create_user(
                db, self.registry["passwords"], email, password, roles, display_name=display_name
            )
            user.email_verified = verified
            user.locale = locale
            for key, value in attributes.items():
                setattr(user, key, value)
            return user.id

    def update_user(self, tenant: LiveTenant, user_id: uuid.UUID, **values: Any) -> None:
        from learninghub.identity import User

        with self.session(tenant) as db:
            user = db.get(User, user_id)
            for key, value in values.items():
                setattr(user, key, value)

    def access_token(self, tenant: LiveTenant, user_id: uuid.UUID) -> str:
        """A bearer token of the user, for set-up through the JSON API."""
        from learninghub.identity import User, issue_access_token

        with self.session(tenant) as db:
            user = db.get(User, user_id)
            token, _ = issue_access_token(self.registry.settings, user, tenant.id)
        return token

    def api(
        self,
        tenant: LiveTenant,
        method: str,
        path: str,
        body: Any = None,
        user_id: uuid.UUID | None = None,
    ) -> tuple[int, Any]:
        """Call the served JSON API over loopback (Host: the tenant's); returns
        ``(status, parsed JSON or None)``."""
        import json
        import urllib.error
        import urllib.request

        headers = {"Host": tenant.host, "Accept": "application/json"}
        if user_id is not None:
            headers["Authorization"] = f"Bearer {self.access_token(tenant, user_id)}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        return status, (json.loads(raw) if raw.strip().startswith((b"{", b"[")) else None)


def live_settings(base: dict[str, Any], folder: Path, **overrides: Any) -> dict[str, Any]:
    """Raw settings of a live app: its own SQLite file, files, mail and search under
    ``folder``; tenants on ``<slug>.localhost``; in-memory cache and events."""
    raw = dict(base)
    raw.update(
        {
            "db.url": f"sqlite:///{folder}/live.sqlite",
            "mail.path": str(folder / "mail"),
            "storage.path": str(folder / "files"),
            "search.path": str(folder / "search"),
            "tenancy.base_domain": "localhost",
            "cache.url": "memory://",
            "events.url": "memory://",
            "ratelimit.enabled": "false",
        }
    )
    raw.update(overrides)
    return raw


@contextmanager
def serve_live_app(raw_settings: dict[str, Any], folder: Path) -> Iterator[LiveApp]:
    """Migrate a fresh database, configure the app and serve it until the block ends."""
    import waitress

    from learninghub import configure
    from learninghub.config import collect_settings
    from learninghub.migrate import upgrade

    upgrade(collect_settings(raw_settings, environ={}))
    config = configure(raw_settings, environ={})
    registry = config.registry
    server = waitress.create_server(
        config.make_wsgi_app(),
        host="127.0.0.1",
        port=0,
        threads=4,
        clear_untrusted_proxy_headers=True,
    )
    thread = threading.Thread(target=server.run, name="live-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(registry, server.effective_port, folder)
    finally:
        # close the sockets from the server's own thread (through its trigger): closing
        # them from here while its loop polls them races ("Bad file descriptor")
        def close_in_loop() -> None:
            for channel in list(server._map.values()):
                if channel is not server.trigger:
                    channel.close()
            server.close()  # the listening socket and, last, the trigger

        server.trigger.pull_trigger(close_in_loop)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        registry["db.engine"].dispose()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, lh_raw_settings) -> Iterator[LiveApp]:
    """The app served on 127.0.0.1 for this module's browser tests (see :class:`LiveApp`).

    The live app always runs on its own SQLite file, so its tests run in the SQLite
    pass only: in the PostgreSQL pass (``LEARNINGHUB_TEST_DATABASE_URL`` set) they
    would repeat the same thing."""
    if os.environ.get("LEARNINGHUB_TEST_DATABASE_URL"):
        pytest.skip("live-app tests run in the SQLite pass (the live app uses SQLite)")
    folder = tmp_path_factory.mktemp("live")
    with serve_live_app(live_settings(lh_raw_settings, folder), folder) as live:
        yield live


# --------------------------------------------------------------------------- chromium


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (sync API)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Debian chromium not found at {CHROMIUM}: run scripts/setup.sh --system-deps "
            "as root (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: scripts/setup.sh test (the test extra)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies), 1280×800, English."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def sign_in(page, base: str, email: str, password: str | None = None) -> str:
    """Sign in through ``/login`` like a person (``password`` defaults to the kit's
    ``PASSWORD``); returns the URL reached. Fails with the page's error message when the
    sign-in did not go through."""
    from .plugin import PASSWORD

    password = PASSWORD if password is None else password
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form[action^='/login'] button[type=submit]").click()
    if "/login" in page.url:
        error = page.locator("[role=alert]")
        message = error.first.inner_text() if error.count() else "no message"
        raise AssertionError(f"sign-in of {email} failed at {page.url}: {message}")
    return page.url


# --------------------------------------------------------------------------- accessibility


def axe_violations(
    page, impacts: tuple[str, ...] = ("serious", "critical"), tags: tuple[str, ...] = AXE_TAGS
) -> list[str]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page; one readable line per
    violation of the given impacts: rule, impact, help, and the failing elements."""
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core not found at {AXE_JS}: run scripts/assets.sh (npm ci)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(" "),
                    summary: (n.failureSummary || "").split("\\n").slice(0, 3).join(" ")}))}));
        }""",
        list(tags),
    )
    lines = []
    for v in result:
        if v["impact"] not in impacts:
            continue
        nodes = "; ".join(f"{n['target']} — {n['summary']}" for n in v["nodes"][:5])
        more = f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else ""
        lines.append(f"{v['id']} [{v['impact']}] {v['help']}: {nodes}{more}")
    return lines


@dataclass(frozen=True)
class Focused:
    """The element that holds the focus after a Tab press."""

    tag: str
    role: str
    name: str
    #: a visible focus indicator (outline or box-shadow) is drawn
    ring: bool
    #: it has a size and lies (at least partly) in the viewport
    visible: bool
    id: str = ""
    href: str = ""

    def __str__(self) -> str:
        flags = ("ring" if self.ring else "NO RING") + ("" if self.visible else ", off-screen")
        return f"<{self.tag}> {self.role} {self.name!r} ({flags})"


_FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const implicit = {A: el.hasAttribute("href") ? "link" : "", BUTTON: "button",
    SELECT: "combobox", TEXTAREA: "textbox", SUMMARY: "button", MAIN: "main"};
  let role = el.getAttribute("role") || implicit[el.tagName] || "";
  if (el.tagName === "INPUT") {
    const t = (el.type || "text").toLowerCase();
    role = {checkbox: "checkbox", radio: "radio", submit: "button", button: "button",
            reset: "button", range: "slider"}[t] || "textbox";
  }
  const text = (s) => (s || "").replace(/\\s+/g, " ").trim();
  let name = el.getAttribute("aria-label") || "";
  const labelledby = el.getAttribute("aria-labelledby");
  if (!name && labelledby) name = labelledby.split(/\\s+/).map(
      id => text((document.getElementById(id) || {}).textContent)).join(" ");
  if (!name && el.labels && el.labels.length) name = text(el.labels[0].textContent);
  if (!name) name = text(el.innerText || el.textContent) || el.value || el.title || "";
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  const visible = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth;
  return {tag: el.tagName.toLowerCase(), role, name: text(name), ring: outline || !!shadow,
          visible, id: el.id || "", href: el.getAttribute("href") || ""};
}"""


def focused(page) -> Focused | None:
    info = page.evaluate(_FOCUSED_JS)
    return Focused(**info) if info else None


def tab_through(page, max_steps: int = 60, *, from_top: bool = True) -> list[Focused]:
    """Press Tab up to ``max_steps`` times (from the top of the page unless told
    otherwise) and describe each focused element, stopping when the focus leaves the
    page or comes back to the first element."""
    if from_top:
        page.evaluate(
            "() => { document.activeElement && document.activeElement.blur(); "
            "window.scrollTo(0, 0); }"
        )
    seen: list[Focused] = []
    first_handle = None
    for _ in range(max_steps):
        page.keyboard.press("Tab")
        current = focused(page)
        if current is None:
            break
        handle = page.evaluate_handle("() => document.activeElement")
        if first_handle is None:
            first_handle = handle
        elif page.evaluate("([a, b]) => a === b", [first_handle, handle]):
            break
        seen.append(current)
    return seen


# --------------------------------------------------------------------------- screenshots


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Write ``var/screenshots/<name>.png`` (the folder is created, and git-ignored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
    path = SHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
