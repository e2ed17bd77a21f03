"""The plugin contract every Learning Hub plugin passes (probes: one route of each
part; each part adds its own)."""

from __future__ import annotations

from learninghub.testing.plugin_contract import PluginContractTests

ZERO = "00000000-0000-0000-0000-000000000000"


class TestAssessmentContract(PluginContractTests):
    plugin = "assessment"
    probes: list[tuple[str, str]] = []
    probes += [("POST", f"/api/v1/answers/{ZERO}/grade")]  # quizzes (422 when enabled)
    probes += [("POST", f"/api/v1/courses/{ZERO}/questions")]  # questions (422 when enabled)
    probes += [("POST", f"/api/v1/submissions/{ZERO}/grade")]  # assignments (422 when enabled)
    probes += [
        ("PUT", f"/api/v1/courses/{ZERO}/gradebook/overrides")
    ]  # gradebook (422 when enabled)
