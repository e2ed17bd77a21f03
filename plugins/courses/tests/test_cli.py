"""``learninghub courses reindex``."""

from __future__ import annotations

from click.testing import CliRunner

from learninghub.cli import Env
from learninghub_courses.cli import courses


class TestEnv(Env):
    """The CLI's environment on the session's test app instead of an ini file."""

    __test__ = False

    def __init__(self, registry):
        super().__init__("unused.ini")
        self._registry = registry

    @property
    def registry(self):
        return self._registry


def run(registry, *args):
    return CliRunner().invoke(courses, list(args), obj=TestEnv(registry))


def test_reindex_makes_courses_searchable(registry, tenant, client, make_course):
    make_course(tenant, title="Calligraphy")  # inserted directly: not indexed yet
    assert client(tenant).get("/api/v1/courses?q=calligraphy").json["total"] == 0
    result = run(registry, "reindex", "--tenant", tenant.slug)
    assert result.exit_code == 0, result.output
    assert result.output == "1 courses reindexed\n"
    assert client(tenant).get("/api/v1/courses?q=calligraphy").json["total"] == 1


def test_reindex_refuses_unknown_or_disabled_tenants(registry, tenant_factory):
    assert run(registry, "reindex", "--tenant", "nope").exit_code == 1
    t = tenant_factory(plugins=[])
    result = run(registry, "reindex", "--tenant", t.slug)
    assert result.exit_code == 1 and "not enabled" in result.output
