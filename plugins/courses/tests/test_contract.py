"""The kernel's plugin contract, applied to courses."""

from __future__ import annotations

from learninghub.testing.plugin_contract import PluginContractTests


class TestCoursesContract(PluginContractTests):
    plugin = "courses"
