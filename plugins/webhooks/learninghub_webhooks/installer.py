"""Per-tenant install, upgrade, uninstall and purge of the webhooks plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class WebhooksInstaller(Installer):
    """No initial data. Disabling or uninstalling keeps endpoints and the delivery
    log (no event is recorded or sent meanwhile: the hooks are not called and queued
    tasks are skipped); purge (inherited) deletes the tenant's ``webhooks_*`` rows."""

    #: version -> step, run in order when a tenant upgrades past that version
    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create: a tenant starts without endpoints. Idempotent."""
