"""Per-tenant install, upgrade, uninstall and purge of the announcements plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class AnnouncementsInstaller(Installer):
    """Announcements need no initial data; purge (inherited) deletes the tenant's
    ``announcements_*`` rows."""

    #: version -> step, run in order when a tenant upgrades past that version
    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create: a tenant starts without announcements. Idempotent by
        construction."""
