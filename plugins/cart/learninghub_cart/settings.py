"""Per-tenant settings of the cart plugin (docs/plugins/cart.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CartSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    abandoned_after_minutes: int = Field(
        60,
        ge=5,
        le=60 * 24 * 30,
        description="Minutes a cart with courses stays untouched before it counts as "
        "abandoned (event cart.cart.abandoned).",
    )
    reminder_delay_hours: int = Field(
        24,
        ge=0,
        le=24 * 30,
        description="Hours after a cart was abandoned when its owner gets one reminder "
        "email; 0: no reminder.",
    )
    max_items: int = Field(
        20,
        ge=1,
        le=50,
        description="Most courses a cart may hold (a guest's cart lives in a cookie, "
        "which browsers limit to 4 KB).",
    )
