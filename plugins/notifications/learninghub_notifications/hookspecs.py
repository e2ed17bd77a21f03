"""Hooks the notifications plugin publishes (added through ``learninghub_addhooks``).

The contract is docs/design/engagement-contracts.md ("Types").
"""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class NotificationsSpecs:
    @hookspec
    def learninghub_notifications_types(self, request):
        """Return a list of :class:`learninghub_notifications.types.NotificationType`:
        the notifications the plugin sends, each reacting to one domain event. Asked
        once per request (tasks included) and only from the plugins enabled for the
        request's tenant; read only, never write."""
