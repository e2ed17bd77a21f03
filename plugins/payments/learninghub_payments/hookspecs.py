"""Hooks the payments plugin publishes (added through ``learninghub_addhooks``).

Implement them by name in your plugin's package ``__init__`` with ``@hookimpl``. The
contract is docs/design/commerce-contracts.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class PaymentsSpecs:
    @hookspec
    def learninghub_payments_adjustments(self, request, draft) -> list:
        """Return the :class:`learninghub_payments.drafts.Adjustment` entries
        (discounts) you grant to ``draft`` (an :class:`~learninghub_payments.drafts.OrderDraft`).

        With ``draft.reserve`` false this is a quote (the cart page): write nothing; raise
        ``ProblemError(422)`` for a code you own that cannot apply, naming why. With
        ``draft.reserve`` true an order ``draft.order_id`` is being placed in the
        request's transaction: reserve what you grant **atomically** there (a coupon
        hold counted against its limits, under a row lock) and raise
        ``ProblemError(409)`` when you cannot; the whole transaction then rolls back,
        so no order and no reservation remain. Amounts are positive minor units in
        ``draft.currency``; payments clamps their sum to the subtotal. Ignore codes you
        do not own (another plugin may)."""

    @hookspec
    def learninghub_payments_order_settled(self, request, order, outcome) -> None:
        """``order`` (a ``payments_orders`` row) was just settled, **inside** the
        transaction that changed its status: ``outcome`` is ``"paid"``, ``"failed"``,
        ``"expired"``, ``"cancelled"`` or ``"refunded"`` (a full refund). Turn what you
        reserved for it into a use (``paid``) or release it (the others but
        ``refunded``). Called once per order and outcome. Never call external systems
        here: use the after-commit domain events (``payments.order.*``) for that."""
