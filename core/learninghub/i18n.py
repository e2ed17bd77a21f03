"""Localization: locale negotiation, message catalogs, locale-aware formatting and
translatable content fields.

Locale of a request (first that names a locale in ``i18n.locales``):

1. the signed-in user's preference (``users.locale``);
2. the ``lh_locale`` cookie (the language switcher, for visitors who are not signed in);
3. the tenant's default (``tenants.default_locale``; empty means "follow the browser");
4. the browser's ``Accept-Language``;
5. ``i18n.default_locale``.

Catalogs are gettext ``.po`` files read with Babel at start-up (no compiled ``.mo``
to go stale): the kernel's domain ``learninghub`` in ``learninghub/locale``, and for
every installed plugin and theme the ``.po`` files in ``<package>/locale/<lang>/LC_MESSAGES/``
(their own domain). They are merged per locale, kernel first; a plugin's catalog wins
for its own strings. Python code translates with ``request.gettext("Text %(n)s", n=1)``;
module-level strings are marked with :func:`N_` and translated where shown.
Templates use ``{% trans %}`` / ``_("...")`` (Jinja2's i18n extension, new style).
"""

from __future__ import annotations

import functools
import io
import logging
import uuid
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import sqlalchemy as sa
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, TenantScoped, new_id, utcnow

log = logging.getLogger("learninghub.i18n")
KERNEL_LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALE_COOKIE = "lh_locale"
DISPLAY_COOKIE = "lh_display"
FONT_SCALES = (100, 125, 150, 200)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with ``request.gettext``."""
    return message


# -- catalogs ----------------------------------------------------------------------------


def _load_po(path: Path, locale: str) -> Translations | None:
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=path.stem)
    except Exception:
        log.exception("unreadable message catalog %s; skipped", path)
        return None
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=path.stem)


class Catalogs:
    """Merged translations per locale from the kernel, plugins and themes."""

    def __init__(self, locale_dirs: list[Path], available: list[str]) -> None:
        self.locale_dirs = locale_dirs
        self.available = available
        self._cache: dict[str, NullTranslations] = {}

    def get(self, locale: str) -> NullTranslations:
        cached = self._cache.get(locale)
        if cached is not None:
            return cached
        merged: Translations | None = None
        candidates = [locale]
        if "_" in locale:
            candidates.insert(0, locale.split("_")[0])  # the language, then the region wins
        for folder in self.locale_dirs:
            for tag in candidates:
                sub = folder / tag / "LC_MESSAGES"
                if not sub.is_dir():
                    continue
                for po in sorted(sub.glob("*.po")):
                    loaded = _load_po(po, tag)
                    if loaded is None:
                        continue
                    if merged is None:
                        merged = loaded
                    else:
                        merged.merge(loaded)
        result: NullTranslations = merged if merged is not None else NullTranslations()
        self._cache[locale] = result
        return result


def _package_dir(module_name: str) -> Path:
    import importlib

    module = importlib.import_module(module_name.split(".")[0])
    return Path(module.__file__).resolve().parent


def build_catalogs(registry) -> Catalogs:
    dirs = [KERNEL_LOCALE_DIR]
    for loaded in registry["plugins"].plugins.values():
        dirs.append(_package_dir(loaded.module.__name__) / "locale")
    for theme in registry["themes"].themes.values():
        dirs.append(theme.folder / "locale")
    return Catalogs([d for d in dirs if d.is_dir()], available_locales(registry.settings))


def available_locales(settings: dict[str, Any]) -> list[str]:
    value = settings.get("i18n.locales", "en es ar")
    return list(_available_locales(value if isinstance(value, str) else tuple(value)))


@functools.lru_cache(maxsize=16)
def _available_locales(value: str | tuple[str, ...]) -> tuple[str, ...]:
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return tuple(normalize_locale(x) for x in items if normalize_locale(x))


def locale_choices(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """``(code, name in its own language)`` for the language switcher."""
    return list(_locale_choices(tuple(available_locales(settings))))


@functools.lru_cache(maxsize=16)
def _locale_choices(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    choices = []
    for code in codes:
        name = Locale.parse(code).get_display_name(code) or code
        choices.append((code, name[:1].upper() + name[1:]))
    return tuple(choices)


@functools.lru_cache(maxsize=1024)
def normalize_locale(value: str | None) -> str:
    """``es-MX`` → ``es_MX``; ``""`` or an unknown tag → ``""`` (cached: pages ask
    many times per request, and Accept-Language values repeat)."""
    if not value:
        return ""
    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return ""


def _pick(value: str | None, available: list[str]) -> str:
    tag = normalize_locale(value)
    if not tag:
        return ""
    if tag in available:
        return tag
    language = tag.split("_")[0]
    return language if language in available else ""


def _accept_language(header: str | None, available: list[str]) -> str:
    if not header:
        return ""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0 and tag.strip() != "*":
            weighted.append((-quality, index, tag.strip()))
    for _q, _i, tag in sorted(weighted):
        picked = _pick(tag, available)
        if picked:
            return picked
    return ""


def negotiate_locale(
    available: list[str],
    *,
    user_locale: str | None = None,
    cookie: str | None = None,
    tenant_default: str | None = None,
    accept_language: str | None = None,
    fallback: str = "en",
) -> str:
    """The locale to use, by the order documented at the top of this module."""
    for candidate in (user_locale, cookie, tenant_default):
        picked = _pick(candidate, available)
        if picked:
            return picked
    return _accept_language(accept_language, available) or _pick(fallback, available) or "en"


def request_locale_name(request) -> str:
    cached = getattr(request, "_lh_locale_name", None)
    if cached:
        return cached
    settings = request.registry.settings
    available = available_locales(settings)
    tenant = getattr(request, "tenant", None)
    user_locale = None
    try:
        user = request.identity
    except Exception:
        user = None
    if user is not None:
        user_locale = getattr(user, "locale", None)
    name = negotiate_locale(
        available,
        user_locale=user_locale,
        cookie=request.cookies.get(LOCALE_COOKIE) if hasattr(request, "cookies") else None,
        tenant_default=tenant.default_locale if tenant else None,
        accept_language=request.headers.get("Accept-Language")
        if hasattr(request, "headers")
        else None,
        fallback=settings.get("i18n.default_locale", "en"),
    )
    request._lh_locale_name = name
    return name


def speak_to(request, user) -> str:
    """Make what ``request`` renders from now on speak ``user``'s language (else the
    tenant's default, else the instance's) and show times in ``user``'s time zone
    (``request.timezone``, the templates' date filters): for a task or an email
    addressed to someone other than the request's own user (a task's request has nobody
    signed in to negotiate from). Call it again for each recipient. Returns the locale
    name."""
    settings = request.registry.settings
    tenant = getattr(request, "tenant", None)
    name = negotiate_locale(
        available_locales(settings),
        user_locale=getattr(user, "locale", None),
        tenant_default=tenant.default_locale if tenant else None,
        fallback=settings.get("i18n.default_locale", "en"),
    )
    request._lh_locale_name = name
    request.__dict__.pop("locale", None)  # reified by an earlier use
    request.__dict__["timezone"] = timezone_for(user, tenant)
    request.__dict__.pop("_lh_shell_context", None)  # templates' cached locale and zone
    return name


def request_locale(request) -> Locale:
    return Locale.parse(request_locale_name(request))


def language_tag(locale: Locale) -> str:
    """BCP 47 for ``<html lang>``: ``es_MX`` → ``es-MX``."""
    return str(locale).replace("_", "-")


def translations_for(request, locale: str | None = None) -> NullTranslations:
    catalogs: Catalogs | None = request.registry.get("i18n.catalogs")
    if catalogs is None:
        return NullTranslations()
    return catalogs.get(locale or request_locale_name(request))


def gettext(request, message: str, **mapping: Any) -> str:
    text = translations_for(request).gettext(message)
    return text % mapping if mapping else text


def ngettext(request, singular: str, plural: str, n: int, **mapping: Any) -> str:
    mapping.setdefault("num", n)
    return translations_for(request).ngettext(singular, plural, n) % mapping


# -- time zones and formatting ------------------------------------------------------------


def request_timezone(request) -> tzinfo:
    """The user's time zone, else the tenant's, else UTC."""
    try:
        user = request.identity
    except Exception:
        user = None
    return timezone_for(user, getattr(request, "tenant", None))


def timezone_for(user, tenant) -> tzinfo:
    """``user``'s time zone (``users.timezone``), else ``tenant``'s, else UTC."""
    names: list[str | None] = []
    if user is not None:
        names.append(getattr(user, "timezone", None))
    if tenant is not None:
        names.append(getattr(tenant, "default_timezone", None))
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except Exception:
                continue
    return ZoneInfo("UTC")


def _ctx_locale(ctx) -> Locale:
    locale = ctx.get("locale")
    return locale if isinstance(locale, Locale) else Locale.parse("en")


def _ctx_tz(ctx) -> tzinfo:
    request = ctx.get("request")
    return request_timezone(request) if request is not None else ZoneInfo("UTC")


@jinja2.pass_context
def format_date_filter(ctx, value: date | datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_ctx_tz(ctx)) if value.tzinfo else value
        value = value.date()
    return babel_dates.format_date(value, format=format, locale=_ctx_locale(ctx))


@jinja2.pass_context
def format_datetime_filter(ctx, value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    tz = _ctx_tz(ctx)
    return babel_dates.format_datetime(value, format=format, tzinfo=tz, locale=_ctx_locale(ctx))


@jinja2.pass_context
def format_number_filter(ctx, value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_ctx_locale(ctx))


@jinja2.pass_context
def format_percent_filter(ctx, value: float | Decimal | None) -> str:
    if value is None:
        return ""
    return babel_numbers.format_percent(value, locale=_ctx_locale(ctx))


def format_money(amount_minor: int, currency: str, locale: Locale | str) -> str:
    """An amount in minor units (cents) of ``currency`` in the locale's format."""
    digits = babel_numbers.get_currency_precision(currency)
    amount = Decimal(amount_minor).scaleb(-digits)
    return babel_numbers.format_currency(amount, currency, locale=locale)


@jinja2.pass_context
def format_money_filter(ctx, amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return ""
    return format_money(amount_minor, currency, _ctx_locale(ctx))


FILTERS = {
    "format_date": format_date_filter,
    "format_datetime": format_datetime_filter,
    "format_number": format_number_filter,
    "format_percent": format_percent_filter,
    "format_money": format_money_filter,
}


# -- display preferences (accessibility) ----------------------------------------------------


def parse_display_cookie(value: str | None) -> dict[str, Any]:
    prefs: dict[str, Any] = {}
    for part in (value or "").split("."):
        key, _, raw = part.partition("-")
        if key == "hc":
            prefs["high_contrast"] = raw == "1"
        elif key == "fs" and raw.isdigit() and int(raw) in FONT_SCALES:
            prefs["font_scale"] = int(raw)
    return prefs


def display_cookie_value(high_contrast: bool, font_scale: int) -> str:
    return f"hc-{1 if high_contrast else 0}.fs-{font_scale}"


def display_prefs(request) -> dict[str, Any]:
    """``high_contrast`` and ``font_scale`` (percent): the user's saved choice, else the
    visitor's cookie, else the defaults."""
    prefs: dict[str, Any] = {"high_contrast": False, "font_scale": 100}
    cookies = getattr(request, "cookies", None)
    if cookies is not None:
        prefs.update(parse_display_cookie(cookies.get(DISPLAY_COOKIE)))
    try:
        user = request.identity
    except Exception:
        user = None
    if user is not None and getattr(user, "font_scale", None):
        prefs["high_contrast"] = bool(user.high_contrast)
        prefs["font_scale"] = int(user.font_scale)
    return prefs


# -- translatable content fields (spec 12.1) --------------------------------------------------


class Translation(TenantScoped, Base):
    """A translation of one field of one resource, e.g. a course title in Spanish.

    The resource keeps its own value in the default language; rows here hold the
    other languages. Read with :func:`translated` / :func:`translated_many`, write with
    :func:`set_translation`."""

    __tablename__ = "translations"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "resource_type", "resource_id", "field", "locale"),
        sa.Index("ix_translations_lookup", "tenant_id", "resource_type", "resource_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    resource_type: Mapped[str] = mapped_column(sa.String(60))
    resource_id: Mapped[str] = mapped_column(sa.String(64))
    field: Mapped[str] = mapped_column(sa.String(60))
    locale: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _fallbacks(locale: str) -> list[str]:
    tag = normalize_locale(locale) or locale
    chain = [tag]
    if "_" in tag:
        chain.append(tag.split("_")[0])
    return chain


def set_translation(
    db, resource_type: str, resource_id: Any, field: str, locale: str, value: str
) -> Translation:
    tag = normalize_locale(locale)
    if not tag:
        raise ValueError(f"unknown locale {locale!r}")
    row = db.scalar(
        sa.select(Translation).where(
            Translation.resource_type == resource_type,
            Translation.resource_id == str(resource_id),
            Translation.field == field,
            Translation.locale == tag,
        )
    )
    if row is None:
        row = Translation(
            resource_type=resource_type,
            resource_id=str(resource_id),
            field=field,
            locale=tag,
            value=value,
        )
        db.add(row)
    else:
        row.value = value
    db.flush()
    return row


def translated_many(
    db, resource_type: str, resource_ids: list[Any], fields: list[str], locale: str
) -> dict[str, dict[str, str]]:
    """``{resource_id: {field: value}}`` for the best available translation in
    ``locale`` (region, then language); fields without a translation are absent, so
    callers fall back to the resource's own (default-language) value."""
    ids = [str(i) for i in resource_ids]
    if not ids or not fields:
        return {}
    chain = _fallbacks(locale)
    rows = db.execute(
        sa.select(
            Translation.resource_id, Translation.field, Translation.locale, Translation.value
        ).where(
            Translation.resource_type == resource_type,
            Translation.resource_id.in_(ids),
            Translation.field.in_(fields),
            Translation.locale.in_(chain),
        )
    ).all()
    best: dict[str, dict[str, tuple[int, str]]] = {}
    for rid, field, tag, value in rows:
        rank = chain.index(tag)
        current = best.setdefault(rid, {}).get(field)
        if current is None or rank < current[0]:
            best[rid][field] = (rank, value)
    return {rid: {f: v for f, (_r, v) in fields_.items()} for rid, fields_ in best.items()}


def translated(
    db, resource_type: str, resource_id: Any, field: str, locale: str, default: str
) -> str:
    """The field in ``locale`` when translated, else ``default`` (the stored value)."""
    found = translated_many(db, resource_type, [resource_id], [field], locale)
    return found.get(str(resource_id), {}).get(field, default)


def includeme(config) -> None:
    registry = config.registry

    def build() -> None:
        registry["i18n.catalogs"] = build_catalogs(registry)

    # after every plugin is loaded (plugins are included after the kernel commits)
    build()
    config.add_request_method(request_locale, "locale", reify=True)
    config.add_request_method(lambda r, m, **kw: gettext(r, m, **kw), "gettext")
    config.add_request_method(lambda r, s, p, n, **kw: ngettext(r, s, p, n, **kw), "ngettext")
    config.add_request_method(request_timezone, "timezone", reify=True)
