"""Seat codes: a ``seats`` item of quantity N gives its buyer N enrolment codes.

A code is 16 characters of Crockford's base32 alphabet (80 random bits, no I/L/O/U),
shown as four groups (``K7QD-9XWB-T3M2-HV8P``); it is compared without case, spaces
or dashes. A signed-in user redeems one (``/redeem``, ``POST
/api/v1/seat-codes/redeem``) and is enrolled with source ``code``; each code is used
once. Someone who already has access gets 409 and the code stays unused.
"""

from __future__ import annotations

import csv
import io
import secrets

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.i18n import N_

from .models import Order, OrderItem, SeatCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
LENGTH = 16
REDEEMED_EVENT = "payments.seat_code.redeemed"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalize(text: str) -> str | None:
    """The stored form of what someone typed, or None when it cannot be a code."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    raw = raw.replace("O", "0").replace("I", "1").replace("L", "1")  # Crockford's reading
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def create_codes(request, order: Order, item: OrderItem) -> list[SeatCode]:
    """The ``item.quantity`` codes of a paid seats item (called by ``mark_paid``)."""
    codes = [
        SeatCode(order_id=order.id, item_id=item.id, course_id=item.course_id, code=new_code())
        for _ in range(item.quantity)
    ]
    request.db.add_all(codes)
    return codes


def codes_of(request, order: Order) -> list[SeatCode]:
    return list(
        request.db.scalars(
            sa.select(SeatCode)
            .where(SeatCode.order_id == order.id)
            .order_by(SeatCode.created_at, SeatCode.code)
        )
    )


def codes_csv(request, order: Order, titles: dict) -> str:
    """The order's codes as CSV (code, course, status, redeemed_at)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "course", "status", "redeemed_at"])
    for code in codes_of(request, order):
        writer.writerow(
            [
                code.code,
                titles.get(code.item_id, ""),
                code.status,
                code.redeemed_at.isoformat() if code.redeemed_at else "",
            ]
        )
    return out.getvalue()


def redeem(request, user, text: str):
    """Enrol ``user`` with the code ``text``; returns ``(seat_code, course)``.

    404 for a code that does not exist here (other tenants' codes included), 409 when it
    was used or revoked, or when the user already has access to its course (the code
    stays unused)."""
    from learninghub_courses.services import get_course
    from learninghub_enrollment.services import enrol, find_enrollment

    _ = request.gettext
    value = normalize(text)
    not_found = ProblemError(404, "Not found", _(N_("no such code")))
    if value is None:
        raise not_found
    db = request.db
    seat = db.scalar(sa.select(SeatCode).where(SeatCode.code == value).with_for_update())
    if seat is None:
        raise not_found
    if seat.status == "redeemed":
        raise ProblemError(409, "Conflict", _(N_("this code has already been used")))
    if seat.status == "revoked":
        raise ProblemError(409, "Conflict", _(N_("this code has been revoked")))
    course = get_course(db, seat.course_id)
    if course is None:
        raise not_found
    existing = find_enrollment(db, course.id, user.id)
    if existing is not None and existing.has_access_at(utcnow()):
        raise ProblemError(
            409,
            "Conflict",
            _(N_("you already have access to this course: keep the code for someone else")),
        )
    enrol(request, course, user, "code")
    seat.status = "redeemed"
    seat.redeemed_by = user.id
    seat.redeemed_at = utcnow()
    db.flush()
    request.emit(
        REDEEMED_EVENT,
        resource_type="seat_code",
        resource_id=seat.id,
        payload={
            "order_id": str(seat.order_id),
            "course_id": str(course.id),
            "user_id": str(user.id),
        },
    )
    return seat, course
