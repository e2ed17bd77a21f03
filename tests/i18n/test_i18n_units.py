"""Units of :mod:`learninghub.i18n`: locale negotiation, money formatting and the
translation rows of content fields."""

from __future__ import annotations

import contextlib
import uuid
from decimal import Decimal

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

from learninghub.db import bind_tenant, system_session
from learninghub.i18n import (
    format_money,
    language_tag,
    negotiate_locale,
    normalize_locale,
    set_translation,
    translated,
    translated_many,
)

OFFERED = ["en", "es", "ar"]

# -- negotiation -----------------------------------------------------------------------


def test_the_users_preference_comes_first():
    assert (
        negotiate_locale(
            OFFERED, user_locale="ar", cookie="es", tenant_default="en", accept_language="es"
        )
        == "ar"
    )


def test_then_the_cookie():
    assert negotiate_locale(OFFERED, cookie="es", tenant_default="ar", accept_language="ar") == "es"


def test_then_the_tenant_default():
    assert negotiate_locale(OFFERED, tenant_default="ar", accept_language="es") == "ar"


def test_then_accept_language_by_quality_then_order():
    header = "fr-CA,fr;q=0.9,ar;q=0.5,es;q=0.7"
    assert negotiate_locale(OFFERED, accept_language=header) == "es"
    assert negotiate_locale(OFFERED, accept_language="ar;q=0.8, es;q=0.8") == "ar"
    assert negotiate_locale(OFFERED, accept_language="es;q=0, ar;q=0.1") == "ar"


def test_then_the_fallback():
    assert negotiate_locale(OFFERED, accept_language="fr, de;q=0.5") == "en"
    assert negotiate_locale(OFFERED, fallback="es") == "es"
    assert negotiate_locale(OFFERED, fallback="fr") == "en"  # last resort


def test_empty_or_unusable_choices_are_skipped():
    assert (
        negotiate_locale(
            OFFERED,
            user_locale="",
            cookie="xx-not-a-locale",
            tenant_default="fr",
            accept_language="*, es;q=0.2",
        )
        == "es"
    )
    assert negotiate_locale(OFFERED, accept_language="es;q=abc, ar") == "ar"


def test_a_region_falls_back_to_its_language_unless_offered():
    assert negotiate_locale(OFFERED, user_locale="es-MX") == "es"
    assert negotiate_locale([*OFFERED, "es_MX"], user_locale="es-MX") == "es_MX"
    assert negotiate_locale(OFFERED, accept_language="ar-EG") == "ar"


def test_normalize_and_language_tag():
    assert normalize_locale("es-MX") == "es_MX"
    assert normalize_locale(" pt-br ") == "pt_BR"
    assert normalize_locale("") == "" and normalize_locale("not a locale") == ""
    assert language_tag(Locale.parse("es_MX")) == "es-MX"
    assert Locale.parse("ar").text_direction == "rtl"


@given(
    user=st.sampled_from(["", "xx", "es", "ar", "fr"]),
    cookie=st.sampled_from(["", "xx", "es", "ar", "en"]),
    tenant=st.sampled_from(["", "es", "ar", "de"]),
    header=st.sampled_from(["", "es", "ar;q=0.4, en;q=0.9", "*", "de"]),
)
def test_the_result_is_always_an_offered_locale(user, cookie, tenant, header):
    picked = negotiate_locale(
        OFFERED, user_locale=user, cookie=cookie, tenant_default=tenant, accept_language=header
    )
    assert picked in OFFERED
    first_offered = next((c for c in (user, cookie, tenant) if c in OFFERED), None)
    if first_offered is not None:
        assert picked == first_offered


# -- money -----------------------------------------------------------------------------


def test_money_in_spanish_puts_the_symbol_after_a_decimal_comma():
    text = format_money(123456, "EUR", "es")
    amount, _, symbol = text.rpartition("\xa0")
    assert symbol == "€"
    assert amount.replace(".", "") == "1234,56"  # 1234,56 or 1.234,56 by grouping rule


def test_money_in_english():
    assert format_money(123456, "EUR", "en") == "€1,234.56"
    assert format_money(1999, "USD", "en") == "$19.99"


def test_money_in_arabic_is_marked_right_to_left():
    text = format_money(123456, "EUR", "ar")
    assert text.startswith("\u200f")  # RIGHT-TO-LEFT MARK: the amount reads in an RTL line
    assert "€" in text and text != format_money(123456, "EUR", "en")
    assert text.replace("\u200f", "").replace("\xa0", " ") == "1,234.56 €"


def test_money_uses_the_currencys_own_number_of_digits():
    assert format_money(500, "JPY", "en") == "¥500"  # no minor unit
    assert format_money(1234, "KWD", "en").endswith("1.234")  # three decimals


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_never_loses_a_minor_unit(amount):
    text = format_money(amount, "EUR", "en")
    digits = text.replace("€", "").replace(",", "").replace("-", "")
    assert Decimal(digits) * 100 == abs(amount)


# -- translated content fields -----------------------------------------------------------


@pytest.fixture
def as_tenant(db):
    @contextlib.contextmanager
    def bound(tenant):
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            yield db
            db.flush()
        finally:
            system_session(db)

    return bound


def test_translation_falls_back_region_then_language_then_default(tenant, as_tenant):
    course = uuid.uuid4()
    with as_tenant(tenant) as db:
        assert translated(db, "course", course, "title", "es_MX", "Algebra") == "Algebra"
        set_translation(db, "course", course, "title", "es", "Álgebra")
        assert translated(db, "course", course, "title", "es_MX", "Algebra") == "Álgebra"
        assert translated(db, "course", course, "title", "es", "Algebra") == "Álgebra"
        set_translation(db, "course", course, "title", "es-MX", "Álgebra (MX)")
        assert translated(db, "course", course, "title", "es_MX", "Algebra") == "Álgebra (MX)"
        assert translated(db, "course", course, "title", "es", "Algebra") == "Álgebra"
        assert translated(db, "course", course, "title", "ar", "Algebra") == "Algebra"
        assert translated(db, "course", course, "summary", "es", "Numbers") == "Numbers"


def test_set_translation_updates_in_place_and_refuses_unknown_locales(tenant, as_tenant):
    course = uuid.uuid4()
    with as_tenant(tenant) as db:
        first = set_translation(db, "course", course, "title", "ar", "الجبر")
        again = set_translation(db, "course", course, "title", "ar", "علم الجبر")
        assert again.id == first.id
        assert translated(db, "course", course, "title", "ar", "Algebra") == "علم الجبر"
        with pytest.raises(ValueError):
            set_translation(db, "course", course, "title", "not a locale", "x")


def test_translated_many_returns_only_translated_fields(tenant, as_tenant):
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with as_tenant(tenant) as db:
        set_translation(db, "course", a, "title", "es", "Historia")
        set_translation(db, "course", a, "summary", "es_MX", "Resumen MX")
        set_translation(db, "course", b, "title", "es_MX", "Química")
        set_translation(db, "course", b, "title", "es", "Química (es)")
        set_translation(db, "lesson", c, "title", "es", "No es un curso")
        found = translated_many(db, "course", [a, b, c], ["title", "summary"], "es_MX")
        assert found == {
            str(a): {"title": "Historia", "summary": "Resumen MX"},
            str(b): {"title": "Química"},
        }
        assert translated_many(db, "course", [a, b], ["title"], "es") == {
            str(a): {"title": "Historia"},
            str(b): {"title": "Química (es)"},
        }
        assert translated_many(db, "course", [], ["title"], "es") == {}


def test_translations_belong_to_their_tenant(tenant, other_tenant, as_tenant):
    course = uuid.uuid4()
    with as_tenant(tenant) as db:
        set_translation(db, "course", course, "title", "es", "Solo aquí")
    with as_tenant(other_tenant) as db:
        assert translated(db, "course", course, "title", "es", "Default") == "Default"
        set_translation(db, "course", course, "title", "es", "Otro inquilino")
    with as_tenant(tenant) as db:
        assert translated(db, "course", course, "title", "es", "Default") == "Solo aquí"


def test_speak_to_renders_in_the_recipients_language(registry):
    from types import SimpleNamespace

    from learninghub.i18n import request_locale_name, speak_to

    tenant = SimpleNamespace(default_locale="es", default_timezone="Europe/Madrid")
    request = SimpleNamespace(registry=registry, tenant=tenant)
    request.locale = "stale"  # reified by an earlier use: dropped
    request._lh_shell_context = {"locale": "stale"}  # the templates' cache: dropped
    assert speak_to(request, SimpleNamespace(locale="ar", timezone="Asia/Tokyo")) == "ar"
    assert request_locale_name(request) == "ar" and "locale" not in request.__dict__
    assert "_lh_shell_context" not in request.__dict__
    assert str(request.timezone) == "Asia/Tokyo"
    assert speak_to(request, SimpleNamespace(locale=None, timezone="")) == "es"  # the tenant's
    assert str(request.timezone) == "Europe/Madrid"
    assert speak_to(request, SimpleNamespace(locale="xx", timezone="Mars/Base")) == "es"
    assert str(request.timezone) == "Europe/Madrid"
