"""The stripe_gateway part of the payments plugin (docs/design/commerce-contracts.md,
docs/plugins/payments-stripe.md): the Stripe gateway (``GATEWAYS["stripe"]``) and its
webhook, ``POST /api/v1/payments/stripe/webhook``."""

from __future__ import annotations

from ..gateway import GATEWAYS
from .gateway import StripeGateway

GATEWAYS["stripe"] = StripeGateway


def includeme(config) -> None:
    """Routes and views of this part."""
    config.scan(".webhook")
