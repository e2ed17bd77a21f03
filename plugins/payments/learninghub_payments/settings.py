"""Per-tenant settings of the payments plugin (docs/plugins/payments.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from learninghub.secrets import Secret


class PaymentsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gateway: Literal["offline", "stripe"] = Field(
        "offline",
        description="How buyers pay: 'offline' (an admin marks orders paid: invoices, "
        "bank transfers) or 'stripe' (card payments through Stripe Checkout).",
    )
    currency: str = Field(
        "EUR",
        min_length=3,
        max_length=3,
        description="ISO 4217 code of the currency the site sells in; courses priced in "
        "another currency cannot be bought.",
    )
    tax_inclusive: bool = Field(
        True,
        description="Prices include tax (the tax is shown as part of them); off: tax is "
        "added at checkout.",
    )
    order_expiry_minutes: int = Field(
        60,
        ge=5,
        le=60 * 24 * 30,
        description="Minutes an unpaid order stays open; then it expires and releases "
        "its coupon holds.",
    )
    refund_revokes_access: Literal["always", "full_only", "never"] = Field(
        "full_only",
        description="Whether a refund ends the access the order gave: on any refund, "
        "only when an item is refunded in full, or never.",
    )
    offline_self_confirm: bool = Field(
        False,
        description="Let buyers complete their own offline orders (demonstrations only: "
        "nobody pays).",
    )
    offline_instructions: str = Field(
        "",
        max_length=2000,
        description="How to pay an offline order (bank details, invoice process), shown "
        "on the order page.",
    )
    subscription_grace_days: int = Field(
        3,
        ge=0,
        le=60,
        description="Days a past-due subscription keeps its access while payment is retried.",
    )
    stripe_secret_key: Secret = Field(Secret(), description="Stripe secret API key.")
    stripe_publishable_key: str = Field("", max_length=200, description="Stripe publishable key.")
    stripe_webhook_secret: Secret = Field(
        Secret(), description="Signing secret of the Stripe webhook endpoint (whsec_...)."
    )
    stripe_api_base: str = Field(
        "https://api.stripe.com",
        max_length=200,
        pattern=r"^https?://[^/\s]+$",
        description="Base URL of the Stripe API (a test double in tests). Instance only: a "
        "tenant could otherwise send its secret key to any host.",
        json_schema_extra={"instance_only": True},
    )

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        from babel.numbers import get_currency_name

        code = value.upper()
        if not code.isalpha() or get_currency_name(code, locale="en") == code:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return code
