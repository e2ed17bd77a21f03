"""Fixtures of the gamification tests (the kernel's pytest plugin and the enrollment
plugin's ``learninghub_enrollment.testing`` bring the rest)."""

from __future__ import annotations

import pytest

PLUGINS = ["courses", "media", "content", "enrollment", "audit", "gamification"]


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def other_tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)
