"""Permissions of the payments plugin and their default grants.

Buying needs only a signed-in user (``payments:order:buy``); what one sees of an order
is decided per order: its buyer, and holders of ``payments:order:manage``."""

from __future__ import annotations

import enum


class PaymentsPermission(enum.StrEnum):
    #: buy courses, seats and plans; see one's own orders, receipts and subscriptions
    BUY = "payments:order:buy"
    #: see every order of the tenant, mark offline orders paid, refund
    MANAGE = "payments:order:manage"
    #: create and change subscription plans and tax rates
    CONFIGURE = "payments:plan:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(PaymentsPermission),
    "instructor": (PaymentsPermission.BUY,),
    "learner": (PaymentsPermission.BUY,),
}
