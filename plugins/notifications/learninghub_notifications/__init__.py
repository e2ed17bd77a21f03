"""Learning Hub plugin: notifications.

Tells people what happened in the other plugins. Each plugin describes what it notifies
with ``learninghub_notifications_types`` (:mod:`.hookspecs`, :mod:`.types`; the types
of the existing plugins are in :mod:`.builtin_types`). The domain events those types
react to are kept in the kernel's event inbox inside the emitting transaction and
fanned out exactly once by the ``notifications.process_event`` task (:mod:`.fanout`):
one in-app notification per recipient, one delivery per other channel the recipient
wants (email, push, or the daily/weekly digest), each sent by ``notifications.deliver``
with retries. The contract is docs/design/engagement-contracts.md.
"""

from __future__ import annotations

from learninghub.manifest import PluginManifest

from . import models  # noqa: F401  (register the tables)
from .installer import NotificationsInstaller
from .permissions import DEFAULT_GRANTS, NotificationPermission
from .settings import NotificationsSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="notifications",
    version=__version__,
    title="Notifications",
    description="Notifications of what happens in the courses: a bell with the unread "
    "count, a list, emails, daily or weekly digests and web push, with preferences per "
    "user and defaults per tenant.",
    requires=(),
    settings=NotificationsSettings,
    permissions=NotificationPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_notifications:migrations/versions",
    installer=NotificationsInstaller(),
)


def includeme(config) -> None:
    pass
