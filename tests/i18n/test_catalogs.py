"""The message catalogs: complete, consistent with the sources, loadable.

A string wrapped in ``_()`` / ``gettext`` / ``N_`` that is not in its domain's .pot,
or a msgid without a reviewed Spanish and Arabic translation, fails here: run
``scripts/i18n.sh extract``, ``scripts/i18n.sh update``, translate, and see
``scripts/i18n.sh check``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "i18n.sh"
LANGS = ("es", "ar")
ARABIC_PLURALS = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"
)
PLACEHOLDER = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
TAG = re.compile(r"<[^<>]+>")
#: the domains the kernel, the default theme and the announcements plugin must ship
REQUIRED = {"learninghub", "theme_default", "announcements"}


def _script(*args: str) -> str:
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _domains() -> dict[str, Path]:
    """``{domain: package folder}`` as scripts/i18n.sh sees them."""
    found = {}
    for line in _script("domains").splitlines():
        domain, package = line.split()
        found[domain] = ROOT / package
    return found


DOMAINS = _domains()
SHIPPED = {d: p for d, p in DOMAINS.items() if (p / "locale" / f"{d}.pot").exists()}


def _load(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _msgids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def test_the_kernel_theme_and_plugin_ship_a_template_and_both_catalogs():
    assert REQUIRED <= set(SHIPPED), sorted(SHIPPED)
    for domain, package in SHIPPED.items():
        for lang in LANGS:
            assert (package / "locale" / lang / "LC_MESSAGES" / f"{domain}.po").is_file()


@pytest.fixture(scope="module")
def fresh_templates(tmp_path_factory) -> Path:
    """Every domain extracted now from the sources, into a temporary folder."""
    out = tmp_path_factory.mktemp("pot")
    _script("extract", "--output-dir", str(out))
    return out


def _sample(items: set) -> str:
    shown = sorted(items, key=str)[:5]
    return ", ".join(repr(i) for i in shown) + (", …" if len(items) > 5 else "")


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_templates_are_up_to_date_with_the_sources(domain, fresh_templates):
    fresh = _msgids(_load(fresh_templates / f"{domain}.pot"))
    pot = DOMAINS[domain] / "locale" / f"{domain}.pot"
    committed = _msgids(_load(pot)) if pot.exists() else set()
    fix = f"run scripts/i18n.sh extract {domain} && scripts/i18n.sh update {domain}, translate"
    new, gone = fresh - committed, committed - fresh
    assert not new, (
        f"{len(new)} msgid(s) of {domain} not in {pot.relative_to(ROOT)} ({fix}): {_sample(new)}"
    )
    assert not gone, (
        f"{len(gone)} msgid(s) of {pot.relative_to(ROOT)} gone from the sources ({fix}): {_sample(gone)}"
    )


def _translations(domain: str, lang: str):
    package = SHIPPED[domain]
    template = _load(package / "locale" / f"{domain}.pot")
    catalog = _load(package / "locale" / lang / "LC_MESSAGES" / f"{domain}.po", lang)
    return template, catalog


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("domain", sorted(SHIPPED))
def test_every_message_is_translated_with_the_same_placeholders_and_markup(domain, lang):
    template, catalog = _translations(domain, lang)
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None:
            problems.append(f"missing: {message.id!r}")
            continue
        if found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        sources = list(message.id) if message.pluralizable else [message.id]
        strings = list(found.string) if message.pluralizable else [found.string]
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms: {message.id!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"not translated: {message.id!r}")
            continue
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        tags = sorted(TAG.findall(sources[0]))
        for text in strings:
            names = set(PLACEHOLDER.findall(text))
            # a plural form may spell its number out ("one session") but never invent one
            if names - wanted or (not message.pluralizable and names != wanted):
                problems.append(f"placeholders {sorted(names)} for {message.id!r}")
            if sorted(TAG.findall(text)) != tags:
                problems.append(f"markup {TAG.findall(text)} for {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("domain", sorted(SHIPPED))
def test_arabic_catalogs_declare_six_plural_forms(domain):
    path = SHIPPED[domain] / "locale" / "ar" / "LC_MESSAGES" / f"{domain}.po"
    assert f'"Plural-Forms: {ARABIC_PLURALS}\\n"' in path.read_text(encoding="utf-8")
    catalog = _load(path, "ar")
    assert catalog.num_plurals == 6


@pytest.mark.parametrize("domain", sorted(SHIPPED))
def test_translations_are_not_english_copies(domain):
    """Guards against a catalog filled by copying msgids: short words may coincide
    with English ("Error:", "API"), sentences may not."""
    for lang in LANGS:
        _, catalog = _translations(domain, lang)
        copied = [
            m.id
            for m in catalog
            if m.id and not m.pluralizable and m.string == m.id and len(m.id.split()) > 2
        ]
        assert not copied, (lang, copied)


def test_catalogs_load_merged_per_locale_with_the_arabic_plural_rule(registry):
    """The running app reads the .po files directly: kernel and plugin domains merged."""
    catalogs = registry["i18n.catalogs"]
    es, ar = catalogs.get("es"), catalogs.get("ar")
    assert es.gettext("Sign in") == "Iniciar sesión"
    assert es.gettext("Announcements") == "Anuncios"  # the plugin's domain
    assert ar.gettext("Sign in") == "تسجيل الدخول"
    assert catalogs.get("es_MX").gettext("Sign in") == "Iniciar sesión"  # region → language
    assert catalogs.get("en").gettext("Sign in") == "Sign in"
    singular = plural = "Password changed. %(num)s other session(s) were signed out."
    forms = [ar.ngettext(singular, plural, n) for n in (0, 1, 2, 5, 11, 100)]
    assert len(set(forms)) == 5  # forms 4 (11-99) and 5 (100-102...) read alike here
    assert "جلستين" in forms[2] and "جلسات" in forms[3]
