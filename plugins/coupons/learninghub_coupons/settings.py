"""Per-tenant settings of the coupons plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: no 0/O, 1/I/L: codes are read aloud and typed from paper
DEFAULT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class CouponsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_stacking: bool = Field(
        False,
        description="Let buyers combine several coupon codes on one order (off: one "
        "coupon per order).",
    )
    code_length: int = Field(
        10,
        ge=6,
        le=32,
        description="Characters of each random code made by bulk generation (after the "
        "batch's prefix).",
    )
    code_alphabet: str = Field(
        DEFAULT_ALPHABET,
        min_length=10,
        max_length=36,
        description="Characters random codes are made of: upper-case letters and digits.",
    )

    @field_validator("code_alphabet")
    @classmethod
    def _alphabet(cls, value: str) -> str:
        value = value.upper()
        if not all(ch.isascii() and ch.isalnum() for ch in value):
            raise ValueError("use letters A-Z and digits 0-9 only")
        if len(set(value)) != len(value):
            raise ValueError("each character may appear once")
        return value
