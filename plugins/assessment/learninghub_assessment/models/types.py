"""Column types of the assessment plugin.

:class:`Points` keeps ``Decimal`` points and percents with two decimal places as
integer hundredths: exact on SQLite (which has no decimal type) and PostgreSQL alike.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

HUNDREDTH = Decimal("0.01")


class Points(sa.types.TypeDecorator):
    """``Decimal`` with 2 decimal places, stored as an integer count of hundredths.
    Binding a value with more places rounds it half-up (callers round first, with
    :mod:`learninghub_assessment.scoring`)."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        quantized = Decimal(value).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
        return int(quantized * 100)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(HUNDREDTH)
