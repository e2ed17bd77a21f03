"""The payment gateway interface and the factory that picks the tenant's gateway.

``request.find_service(IPaymentGateway)`` returns the implementation named by the
tenant's ``payments`` setting ``gateway``. Parts register implementations in
:data:`GATEWAYS` at import time (``orders`` the offline gateway, ``stripe_gateway``
Stripe). A commercial provider can be added the same way from another plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zope.interface import Attribute, Interface

PLUGIN = "payments"


@dataclass(frozen=True)
class CheckoutStart:
    """Where to send the buyer to pay (an absolute URL of the gateway or a path of
    ours) and the gateway's reference for the payment session (None: none yet)."""

    redirect_url: str
    reference: str | None = None


@dataclass(frozen=True)
class RefundResult:
    reference: str | None
    status: str  # "succeeded" | "pending" | "failed"


class IPaymentGateway(Interface):
    """A way to take money. Every outgoing call of a networked gateway carries an
    idempotency key derived from our own ids, so a retried request never charges or
    refunds twice."""

    name = Attribute('The gateway\'s name: "offline", "stripe", ...')

    def start_checkout(request, order):
        """Begin paying ``order`` (pending); return a :class:`CheckoutStart`."""

    def refund(request, order, payment, amount_minor, key):
        """Refund ``amount_minor`` of ``payment`` (a ``payments_transactions`` row of
        kind ``payment``) with idempotency key ``key``; return a :class:`RefundResult`.
        Raise ``ProblemError(502)`` when the provider refuses or cannot be reached."""

    def start_subscription(request, plan, subscription):
        """Begin a subscription to ``plan``; return a :class:`CheckoutStart`."""

    def cancel_subscription(request, subscription, at_period_end):
        """Cancel ``subscription`` now or at the end of its period."""

    def portal_url(request, user, return_url):
        """A URL where ``user`` manages payment methods and invoices, or None."""


#: gateway name -> factory(request) returning an IPaymentGateway
GATEWAYS: dict[str, Callable[[Any], Any]] = {}


def gateway_factory(context: Any, request: Any) -> Any:
    name = request.plugin_settings(PLUGIN).gateway
    try:
        factory = GATEWAYS[name]
    except KeyError:
        from learninghub.api import ProblemError

        raise ProblemError(
            503, "Service unavailable", f"the payment gateway {name!r} is not available"
        ) from None
    return factory(request)
