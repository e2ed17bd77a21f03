"""Per-tenant install, upgrade, uninstall and purge of the media plugin."""

from __future__ import annotations

import logging
from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer

from .storage import STORAGE_PREFIX, storage_for

log = logging.getLogger(__name__)


class MediaInstaller(Installer):
    """Media needs no initial data; purge deletes the tenant's ``media_*`` rows
    (inherited) and every file under ``media/`` in the tenant's storage."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create: a tenant starts without assets. Idempotent."""

    def purge(self, context: InstallContext) -> None:
        super().purge(context)
        storage = storage_for(context.registry)
        tenant_id = context.tenant.id
        for key in storage.list(tenant_id, STORAGE_PREFIX):
            try:
                storage.delete(tenant_id, key)
            except Exception:  # a leftover file is harmless; a failed purge is not
                log.exception("could not delete media file %s", key)
