"""The offline gateway: no money moves through the site.

For the embedded default, for institutions that invoice or take bank transfers, and for
demonstrations. Checkout sends the buyer to our own order page, which shows the
tenant's ``offline_instructions``; an admin marks the order paid when the money arrived
(or the buyer completes it, when ``offline_self_confirm`` is on). A refund is recorded
as succeeded: the money goes back outside the system.
"""

from __future__ import annotations

from zope.interface import implementer

from ..gateway import GATEWAYS, CheckoutStart, IPaymentGateway, RefundResult


@implementer(IPaymentGateway)
class OfflineGateway:
    name = "offline"

    def __init__(self, request) -> None:
        self.request = request

    def start_checkout(self, request, order) -> CheckoutStart:
        return CheckoutStart(
            redirect_url=request.route_path("payments.page.order", id=str(order.id)),
            reference=None,
        )

    def refund(self, request, order, payment, amount_minor, key) -> RefundResult:
        return RefundResult(reference=key, status="succeeded")

    def start_subscription(self, request, plan, subscription) -> CheckoutStart:
        """Our own subscription page: an admin (or the demo's self-confirm) activates it
        there, like an offline order."""
        return CheckoutStart(redirect_url=request.route_path("payments.page.subscription"))

    def cancel_subscription(self, request, subscription, at_period_end) -> None:
        """Nothing to tell anyone: the plans part changes the subscription itself."""

    def portal_url(self, request, user, return_url) -> None:
        return None


GATEWAYS["offline"] = OfflineGateway
