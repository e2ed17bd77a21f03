"""Per-tenant install, upgrade, uninstall and purge of the payments plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class PaymentsInstaller(Installer):
    """A tenant starts with no orders, no plans and no tax rates; purge (inherited)
    deletes the tenant's ``payments_*`` rows."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""
