"""Permissions of the webhooks plugin and their default grants."""

from __future__ import annotations

import enum


class WebhookPermission(enum.StrEnum):
    #: register, edit, disable and delete endpoints; read the delivery log; replay
    #: deliveries and send test events
    MANAGE = "tenant:webhooks:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(WebhookPermission),
}
