"""Background tasks of the orders part (registered on import: ``orders/__init__``)."""

from __future__ import annotations

from learninghub.db import utcnow
from learninghub.tasks import task

from ..checkout import EXPIRE_TASK
from . import settlement
from .models import Order


@task(EXPIRE_TASK, max_retries=3)
def expire_order(request, order_id: str) -> None:
    """Expire an unpaid order at its ``expires_at`` (queued when it is placed).
    Idempotent: an order paid, expired or settled otherwise is left alone; one whose
    time has not come (the task ran early) is queued again for it."""
    from learninghub_enrollment.services import as_uuid

    order = request.db.get(Order, as_uuid(order_id)) if as_uuid(order_id) else None
    if order is None or order.status != "pending" or order.expires_at is None:
        return
    if order.expires_at > utcnow():
        request.tasks.enqueue_at(order.expires_at, EXPIRE_TASK, order_id=order_id)
        return
    settlement.expire(request, order)
