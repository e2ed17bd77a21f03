"""Per-tenant install, upgrade, uninstall and purge of the coupons plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class CouponsInstaller(Installer):
    """No initial data. Uninstall keeps coupons and their redemptions; purge
    (inherited) deletes the tenant's rows of every coupons table."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create (idempotent by construction)."""
