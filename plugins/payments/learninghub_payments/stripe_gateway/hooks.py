"""Hook answers of the stripe_gateway part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations


def audit_auditable_events(request) -> list:
    #: money sent back without anyone asking: the trail must show it
    return ["payments.order.late_payment_refunded"]
