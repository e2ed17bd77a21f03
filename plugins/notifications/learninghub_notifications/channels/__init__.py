"""The delivery channels other than in-app: the contract between the core of the
notifications plugin and the channel modules (``email``, ``digest``, ``push``).

Each channel module registers its sender at import::

    from . import DeliveryError, register_sender

    def send(request, notification, delivery, user) -> None:
        ...  # raise DeliveryError("no subscription", permanent=True) when it cannot be sent

    register_sender("email", send)

The ``notifications.deliver`` task (:mod:`learninghub_notifications.fanout`) locks the
delivery row, skips it unless it is ``pending``, calls ``SENDERS[delivery.channel]``
inside the task's transaction with the tenant-bound ``request`` (after
``learninghub.i18n.speak_to(request, user)``), the :class:`Notification` row, the
:class:`Delivery` row and the recipient (a ``learninghub.accounts.models.User``), then:

* returns normally: the delivery is ``sent`` (``sent_at`` set);
* raises :class:`DeliveryError` with ``permanent=True``: ``failed`` with the reason,
  never tried again;
* raises :class:`SkipDelivery`: ``skipped`` with the reason (nothing to send on that
  channel, e.g. the user has no push subscription);
* raises anything else (or a non-permanent DeliveryError): the attempt and the error
  are recorded and the task is retried with a backoff, until ``max_attempts``, then
  ``failed``.

A sender may write to the database (a push subscription marked expired); its writes are
kept even when it raises (they are not rolled back with the failure). ``digest``
deliveries are not sent by the task: they stay ``pending`` until the digest command
gathers them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Sender = Callable[[Any, Any, Any, Any], None]

#: channel name -> sender, filled by the channel modules at import
SENDERS: dict[str, Sender] = {}


class DeliveryError(Exception):
    """A delivery that could not be made: ``permanent`` ones are not retried (an
    address the mail server refuses, an expired push subscription)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SkipDelivery(Exception):
    """Nothing to send on this channel for this user (recorded as ``skipped``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def register_sender(channel: str, sender: Sender) -> None:
    SENDERS[channel] = sender


def load_channels() -> None:
    """Import the channel modules present (each registers its sender)."""
    import importlib

    for name in ("email", "digest", "push"):
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


# the push channel's table (the tenants' VAPID keys) is registered with the plugin's
# other tables when the package is imported (migrations, row-level security, purge),
# not only when the channels are loaded
from . import vapid  # noqa: E402, F401
