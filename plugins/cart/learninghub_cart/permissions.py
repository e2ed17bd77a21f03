"""Permissions of the cart plugin and their default grants.

A cart belongs to its user: nobody else reads or changes it, so there is one
permission, to keep one. Checking out also needs the payments plugin's
``payments:order:buy``."""

from __future__ import annotations

import enum


class CartPermission(enum.StrEnum):
    #: keep a cart, apply codes to it and check it out
    USE = "cart:cart:use"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(CartPermission),
    "instructor": (CartPermission.USE,),
    "learner": (CartPermission.USE,),
}
