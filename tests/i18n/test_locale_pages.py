"""The language of pages, through the WSGI app: negotiation order (user, cookie, tenant
default, Accept-Language), right-to-left Arabic, and the language switcher
(``POST /preferences/locale``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from learninghub.i18n import LOCALE_COOKIE
from learninghub.identity import User

SPANISH = {"Accept-Language": "es"}


@pytest.fixture
def tenant(tenant, db, registry):
    """A tenant whose default language is "follow each visitor's browser" (new tenants
    default to English, which would hide Accept-Language)."""
    _set_tenant_default(db, registry, tenant, "")
    return tenant


def html_tag(page) -> str:
    return page.text.split("<html", 1)[1].split(">", 1)[0]


def _set_user_locale(db, user, locale: str) -> None:
    user.locale = locale
    db.flush()


def _set_tenant_default(db, registry, tenant, locale: str) -> None:
    tenant.orm.default_locale = locale
    db.flush()
    registry["tenancy.resolver"].invalidate()


def _stored_locale(db, user) -> str | None:
    db.expire_all()
    return db.get(User, user.id).locale


def test_english_by_default(tenant, page_browser):
    page = page_browser(tenant).get("/login")
    assert page.status_int == 200
    assert 'lang="en" dir="ltr"' in html_tag(page) and "<h1>Sign in</h1>" in page.text


def test_a_new_tenant_follows_the_browser_until_its_admin_picks_a_language(
    tenant_factory, page_browser, db, registry
):
    fresh = tenant_factory()
    assert fresh.orm.default_locale == ""
    assert 'lang="es"' in html_tag(page_browser(fresh).get("/login", headers=SPANISH))
    assert 'lang="en"' in html_tag(page_browser(fresh).get("/login"))  # no header: fallback
    fresh.orm.default_locale = "ar"
    db.flush()
    registry["tenancy.resolver"].invalidate()
    assert 'lang="ar" dir="rtl"' in html_tag(page_browser(fresh).get("/login", headers=SPANISH))


def test_login_page_follows_accept_language(tenant, page_browser):
    page = page_browser(tenant).get("/login", headers=SPANISH)
    assert page.status_int == 200
    assert 'lang="es" dir="ltr"' in html_tag(page)
    assert "<h1>Iniciar sesión</h1>" in page.text
    assert "¿Has olvidado tu contraseña?" in page.text
    assert "Sign in" not in page.text


def test_accept_language_quality_values_pick_the_best_offered_language(tenant, page_browser):
    header = {"Accept-Language": "fr-CA, fr;q=0.9, ar;q=0.5, es;q=0.7"}
    page = page_browser(tenant).get("/login", headers=header)
    assert 'lang="es"' in html_tag(page)  # French is not offered; es outranks ar


def test_a_user_whose_locale_is_arabic_gets_rtl_arabic_pages(
    tenant, user_factory, db, page_browser
):
    learner = user_factory(tenant, "learner")
    _set_user_locale(db, learner, "ar")
    page = page_browser(tenant, learner).get("/dashboard", headers=SPANISH)
    assert page.status_int == 200
    assert 'lang="ar" dir="rtl"' in html_tag(page)
    assert "لوحة المعلومات" in page.text  # the page title and the navigation
    assert "تسجيل الخروج" in page.text  # the user menu
    assert "noto-sans-arabic" in page.text  # the Arabic web font for RTL pages
    assert "Dashboard" not in page.text


def test_the_users_choice_wins_over_the_cookie(tenant, user_factory, db, page_browser):
    learner = user_factory(tenant, "learner")
    _set_user_locale(db, learner, "ar")
    b = page_browser(tenant, learner)
    b.cookies[LOCALE_COOKIE] = "es"
    assert 'lang="ar"' in html_tag(b.get("/dashboard"))


def test_the_cookie_wins_over_accept_language(tenant, page_browser):
    page = page_browser(tenant, cookie=f"{LOCALE_COOKIE}=ar").get("/login", headers=SPANISH)
    assert 'lang="ar" dir="rtl"' in html_tag(page) and "تسجيل الدخول" in page.text


def test_the_tenant_default_wins_over_accept_language(tenant, db, registry, page_browser):
    _set_tenant_default(db, registry, tenant, "es")
    page = page_browser(tenant).get("/login", headers={"Accept-Language": "ar, en;q=0.5"})
    assert 'lang="es"' in html_tag(page) and "Iniciar sesión" in page.text
    # the visitor's cookie still wins over the tenant default
    chosen = page_browser(tenant, cookie=f"{LOCALE_COOKIE}=ar").get("/login")
    assert 'lang="ar"' in html_tag(chosen)


def test_unknown_cookie_and_header_values_fall_back(tenant, page_browser):
    b = page_browser(tenant, cookie=f"{LOCALE_COOKIE}=xx-not-a-locale")
    page = b.get("/login", headers={"Accept-Language": "zz, *;q=0.1"})
    assert page.status_int == 200 and 'lang="en"' in html_tag(page)


def test_plugin_pages_use_the_plugins_catalog(tenant, user_factory, db, page_browser):
    learner = user_factory(tenant, "learner")
    _set_user_locale(db, learner, "es")
    b = page_browser(tenant, learner)
    listing = b.get("/announcements")
    assert listing.status_int == 200
    assert "<h1>Anuncios</h1>" in listing.text and "Todavía no hay anuncios." in listing.text
    dashboard = b.get("/dashboard")
    assert "Últimos anuncios" in dashboard.text  # the plugin's widget title (Python code)


def test_error_pages_are_translated(tenant, page_browser):
    page = page_browser(tenant).get("/no-such-page", headers=SPANISH)
    assert page.status_int == 404
    assert "No encontrado" in page.text and "Aquí no hay nada." in page.text


def test_form_errors_from_python_are_translated(tenant, page_browser):
    b = page_browser(tenant, cookie=f"{LOCALE_COOKIE}=es")
    form = b.get("/forgot-password")
    r = b.submit(form, "/forgot-password", {"email": "not an address"})
    assert r.status_int == 400
    assert "Escribe una dirección de correo electrónico como nombre@example.org." in r.text
    assert "Hay un problema" in r.text


# -- the language switcher -------------------------------------------------------------


def test_visitor_switches_language_with_a_cookie(tenant, page_browser):
    b = page_browser(tenant)
    page = b.get("/login")
    r = b.submit(page, "/preferences/locale", {"locale": "es", "next": "/login?next=/x"})
    assert r.status_int == 303
    assert urlsplit(r.location).path == "/login" and urlsplit(r.location).query == "next=/x"
    cookie = next(v for k, v in r.headerlist if k == "Set-Cookie" and v.startswith("lh_locale="))
    assert cookie.startswith("lh_locale=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Iniciar sesión" in b.get("/login").text


def test_signed_in_user_switch_is_saved_on_the_account(tenant, user_factory, db, page_browser):
    learner = user_factory(tenant, "learner")
    b = page_browser(tenant, learner)
    page = b.get("/dashboard")
    r = b.submit(page, "/preferences/locale", {"locale": "ar", "next": "/dashboard"})
    assert r.status_int == 303 and urlsplit(r.location).path == "/dashboard"
    assert _stored_locale(db, learner) == "ar"
    # another browser of the same user, without the cookie, gets Arabic too
    assert 'dir="rtl"' in page_browser(tenant, learner).get("/dashboard").text


@pytest.mark.parametrize("bad", ["xx", "", "fr", "es<script>", "../../etc"])
def test_a_locale_that_is_not_offered_is_refused(tenant, user_factory, db, page_browser, bad):
    learner = user_factory(tenant, "learner")
    b = page_browser(tenant, learner)
    page = b.get("/dashboard")
    r = b.submit(page, "/preferences/locale", {"locale": bad, "next": "/dashboard"})
    assert r.status_int == 400
    assert "Choose one of the offered languages." in r.text
    assert not any(k == "Set-Cookie" and "lh_locale" in v for k, v in r.headerlist)
    assert _stored_locale(db, learner) in (None, "")


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "//evil.example/path", "https://evil.example/", "/\\evil.example", "evil"],
)
def test_next_never_leaves_the_site(tenant, page_browser, target):
    b = page_browser(tenant)
    page = b.get("/login")
    r = b.submit(page, "/preferences/locale", {"locale": "es", "next": target})
    assert r.status_int == 303
    location = urlsplit(r.location)
    assert location.netloc in ("", tenant.host) and location.path == "/"


def test_switching_needs_the_csrf_token(tenant, user_factory, db, page_browser):
    learner = user_factory(tenant, "learner")
    b = page_browser(tenant, learner)
    page = b.get("/dashboard")
    r = b.submit(page, "/preferences/locale", {"locale": "ar", "next": "/"}, csrf=False)
    assert r.status_int == 400
    assert _stored_locale(db, learner) in (None, "")


def test_another_tenants_session_does_not_change_its_user(
    tenant, other_tenant, user_factory, db, page_browser, session_cookie
):
    stranger = user_factory(other_tenant, "admin")
    b = page_browser(tenant, cookie=session_cookie(other_tenant, stranger))
    page = b.get("/login")
    r = b.submit(page, "/preferences/locale", {"locale": "ar", "next": "/"})
    assert r.status_int == 303  # served as an anonymous visitor of this tenant: cookie only
    assert _stored_locale(db, stranger) in (None, "")


def test_translated_markup_keeps_its_tags_and_escapes_the_values(
    tenant, user_factory, db, page_browser
):
    learner = user_factory(tenant, "learner")
    learner.display_name = "<b>Ana</b>"
    _set_user_locale(db, learner, "es")
    b = page_browser(tenant, learner)
    dashboard = b.get("/dashboard")
    assert "Te damos la bienvenida, &lt;b&gt;Ana&lt;/b&gt;" in dashboard.text
    profile = b.get("/account/profile")
    assert f"Tu dirección es <strong>{learner.email}</strong>" in profile.text
