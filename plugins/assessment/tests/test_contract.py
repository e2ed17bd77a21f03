"""The plugin contract every Learning Hub plugin passes (probes: one route of each
part; each part adds its own)."""

from __future__ import annotations

from learninghub.testing.plugin_contract import PluginContractTests


class TestAssessmentContract(PluginContractTests):
    plugin = "assessment"
    probes: list[tuple[str, str]] = []
