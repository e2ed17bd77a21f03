"""Per-tenant install, upgrade, uninstall and purge of the assessment plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class AssessmentInstaller(Installer):
    """A tenant starts with empty banks; purge (inherited) deletes the tenant's
    ``assessment_*`` rows."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""
