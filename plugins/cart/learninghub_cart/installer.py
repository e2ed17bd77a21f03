"""Per-tenant install, upgrade, uninstall and purge of the cart plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class CartInstaller(Installer):
    """A tenant starts with no carts; purge (inherited) deletes its ``cart_*`` rows."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""
