"""The template override chain: tenant → theme (→ parent theme) → plugin → kernel."""

from __future__ import annotations

import sys
import textwrap

import jinja2
import pytest

from learninghub.templating import KERNEL_TEMPLATES, ChainLoader, TemplateSources
from learninghub.themes import Theme, ThemeRegistry


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def levels(tmp_path):
    tenant = tmp_path / "tenant"
    child = tmp_path / "child"
    parent = tmp_path / "parent"
    plugin = tmp_path / "plugin"
    for folder in (tenant, child, parent, plugin):
        folder.mkdir()
    sources = TemplateSources(
        {"news": plugin}, [child, parent], tenant, {"learninghub_news": "news"}
    )
    return sources, tenant, child, parent, plugin


def first(sources, name):
    return next(p for p in sources.candidates(name) if p.is_file())


def test_first_level_holding_the_name_wins(levels):
    sources, tenant, child, parent, plugin = levels
    write(plugin / "list.jinja2")
    assert first(sources, "news/list.jinja2") == plugin / "list.jinja2"
    write(parent / "news" / "list.jinja2")
    assert first(sources, "news/list.jinja2") == parent / "news" / "list.jinja2"
    write(child / "news" / "list.jinja2")
    assert first(sources, "news/list.jinja2") == child / "news" / "list.jinja2"
    write(tenant / "news" / "list.jinja2")
    assert first(sources, "news/list.jinja2") == tenant / "news" / "list.jinja2"


def test_kernel_templates_are_the_last_resort(levels):
    sources, tenant, child, *_ = levels
    assert first(sources, "error.jinja2") == KERNEL_TEMPLATES / "error.jinja2"
    write(child / "error.jinja2")
    assert first(sources, "error.jinja2") == child / "error.jinja2"


def test_prefixes_skip_levels_so_an_override_can_extend_what_it_overrides(levels):
    sources, tenant, child, parent, plugin = levels
    write(plugin / "list.jinja2")
    write(child / "news" / "list.jinja2")
    write(tenant / "news" / "list.jinja2")
    theme_first = [p for p in sources.candidates("@theme/news/list.jinja2") if p.is_file()]
    assert theme_first[0] == child / "news" / "list.jinja2"
    assert tenant / "news" / "list.jinja2" not in theme_first
    assert first(sources, "@plugin/news/list.jinja2") == plugin / "list.jinja2"


def test_asset_specs_of_plugins_and_kernel_map_to_logical_names(levels):
    sources, *_ = levels
    assert sources.logical("learninghub_news:templates/list.jinja2") == "news/list.jinja2"
    assert sources.logical("learninghub:templates/accounts/login.jinja2") == "accounts/login.jinja2"
    assert sources.logical("learninghub:templates/base.jinja2") == "layout.jinja2"
    with pytest.raises(jinja2.TemplateNotFound):
        sources.logical("os:templates/passwd")


@pytest.mark.parametrize("name", ["../secret.jinja2", "news/../../x", "a\\b.jinja2", ""])
def test_path_escapes_are_refused(levels, name):
    sources, *_ = levels
    with pytest.raises(jinja2.TemplateNotFound):
        sources.candidates(name)


def test_a_tenant_override_extends_the_theme_version_through_the_loader(levels):
    sources, tenant, child, parent, plugin = levels
    write(plugin / "list.jinja2", "plugin[{% block body %}items{% endblock %}]")
    write(
        child / "news" / "list.jinja2",
        '{% extends "@plugin/news/list.jinja2" %}{% block body %}theme {{ super() }}{% endblock %}',
    )
    write(
        tenant / "news" / "list.jinja2",
        '{% extends "@theme/news/list.jinja2" %}{% block body %}tenant {{ super() }}{% endblock %}',
    )
    env = jinja2.Environment(loader=ChainLoader(sources))
    assert env.get_template("news/list.jinja2").render() == "plugin[tenant theme items]"


def test_theme_lineage_follows_parents_and_stops_on_cycles():
    registry = ThemeRegistry()
    a = Theme(name="a", title="A", package="x", parent="b")
    b = Theme(name="b", title="B", package="x", parent="a")
    registry.register(a)
    registry.register(b)
    assert [t.name for t in registry.lineage(a)] == ["a", "b"]
    assert registry.resolve("missing") is a  # neither is "default": the first installed
    registry.default = "b"
    assert registry.resolve("missing") is b and registry.resolve(None) is b


# -- through the app -----------------------------------------------------------------


@pytest.fixture
def fake_theme(tmp_path, registry):
    """An installed theme ``plain`` (a package on sys.path) that overrides the
    announcements list page and the layout."""
    package = tmp_path / "lhtest_plain_theme"
    write(package / "__init__.py")
    write(
        package / "templates" / "layout.jinja2",
        textwrap.dedent(
            """\
            <!doctype html><html {% include "_shell/html_attrs.jinja2" %}><head>
            {% include "_shell/head.jinja2" %}<title>{% block title %}{% endblock %}</title></head>
            <body><div id="plain-theme">{% block content %}{% endblock %}</div></body></html>
            """
        ),
    )
    write(
        package / "templates" / "announcements" / "list.jinja2",
        '{% extends "@plugin/announcements/list.jinja2" %}'
        "{% block content %}<p>plain theme says hello</p>{{ super() }}{% endblock %}",
    )
    sys.path.insert(0, str(tmp_path))
    themes = registry["themes"]
    themes.register(
        Theme(name="plain", title="Plain", package="lhtest_plain_theme", stylesheets=())
    )
    try:
        yield "plain"
    finally:
        themes.themes.pop("plain", None)
        sys.path.remove(str(tmp_path))
        sys.modules.pop("lhtest_plain_theme", None)


def set_theme(db, registry, tenant, theme):
    tenant.orm.theme = theme
    db.flush()
    registry["tenancy.resolver"].invalidate()


def test_a_theme_overrides_a_plugin_page_by_path_and_keeps_its_content(
    tenant, user_factory, page_browser, db, registry, fake_theme
):
    learner = user_factory(tenant, "learner")
    before = page_browser(tenant, learner).get("/announcements")
    assert before.status_int == 200 and "plain theme says hello" not in before.text
    set_theme(db, registry, tenant, fake_theme)
    page = page_browser(tenant, learner).get("/announcements")
    assert page.status_int == 200
    assert 'id="plain-theme"' in page.text and "plain theme says hello" in page.text
    assert "There are no announcements yet." in page.text  # the plugin's own block


def test_an_operator_override_for_one_tenant_leaves_other_tenants_alone(
    tenant, other_tenant, page_browser, registry
):
    root = registry["templates"].tenant_root
    override = write(
        root / tenant.slug / "home.jinja2",
        '{% extends "@theme/home.jinja2" %}{% block content %}<p>only for this tenant</p>'
        "{{ super() }}{% endblock %}",
    )
    try:
        assert "only for this tenant" in page_browser(tenant).get("/").text
        assert "only for this tenant" not in page_browser(other_tenant).get("/").text
    finally:
        override.unlink()


def test_unknown_theme_falls_back_to_the_default_theme(tenant, page_browser, db, registry):
    set_theme(db, registry, tenant, "not-installed")
    page = page_browser(tenant).get("/")
    assert page.status_int == 200 and "theme-default" in page.text
