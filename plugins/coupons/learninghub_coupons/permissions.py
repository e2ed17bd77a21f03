"""Permissions of the coupons plugin: admins manage coupons; buyers need none (codes
are checked when payments quotes or places an order)."""

from __future__ import annotations

import enum


class CouponPermission(enum.StrEnum):
    #: list, create, edit, deactivate and bulk-generate coupons; export codes
    MANAGE = "coupons:coupon:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {"admin": tuple(CouponPermission)}
