"""``learninghub webhooks dispatch`` and ``reseal`` (run in-process on the test app)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from learninghub.cli import Env
from learninghub_webhooks.cli import webhooks

pytestmark = pytest.mark.usefixtures("allow_loopback")


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
    return CliRunner().invoke(webhooks, list(args), obj=TestEnv(registry))


def test_dispatch_leaves_deliveries_that_are_not_due(
    registry, tenant, receiver, make_endpoint, change_settings, rows
):
    make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b"")]
    change_settings(tenant)
    [delivery] = rows.deliveries()
    result = run(registry, "dispatch", "--tenant", tenant.slug)
    assert result.exit_code == 0, result.output
    assert result.output == "0 deliveries dispatched\n"  # not due for a minute


def test_dispatch_refuses_unknown_tenants(registry, tenant_factory):
    result = run(registry, "dispatch", "--tenant", "no-such-tenant")
    assert result.exit_code == 1 and "unknown tenant 'no-such-tenant'" in result.output
    without = tenant_factory(plugins=[])
    result = run(registry, "dispatch", "--tenant", without.slug)
    assert result.exit_code == 1 and "not enabled" in result.output


def test_reseal_reports(registry, tenant, make_endpoint, receiver):
    make_endpoint(tenant, receiver.url())
    result = run(registry, "reseal", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("would reseal 0, already current ")
