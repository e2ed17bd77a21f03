"""Creating, changing and exporting coupons (the API and the admin pages share these).

Every change emits a domain event after commit (``coupons.coupon.created``,
``coupons.coupon.updated``, ``coupons.batch.created``), recorded by the audit trail.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError
from learninghub.i18n import N_

from .models import Batch, Coupon
from .redeem import normalize
from .schemas import BatchIn, CouponIn, CouponPatch, CouponRules

RULE_FIELDS = tuple(CouponRules.model_fields)
MAX_GENERATION_ROUNDS = 20
CSV_HEADER = ("code", "active", "used", "held", "max_uses", "remaining", "created_at")


def parse_id(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def get_coupon(db, raw_id: Any) -> Coupon | None:
    coupon_id = parse_id(raw_id)
    return db.get(Coupon, coupon_id) if coupon_id else None


def get_batch(db, raw_id: Any) -> Batch | None:
    batch_id = parse_id(raw_id)
    return db.get(Batch, batch_id) if batch_id else None


def check_restrictions(
    request, rules: CouponRules, fields: tuple[str, ...] = ("course_ids", "category_ids")
) -> None:
    """422 when a course or category of the restriction (its ``fields``) is not the
    tenant's."""
    from learninghub_courses.models import Course, CourseCategory

    for field, model, message in (
        ("course_ids", Course, N_("Unknown course: %(ids)s.")),
        ("category_ids", CourseCategory, N_("Unknown category: %(ids)s.")),
    ):
        if field not in fields:
            continue
        wanted = set(getattr(rules, field))
        if not wanted:
            continue
        known = set(request.db.scalars(sa.select(model.id).where(model.id.in_(wanted))))
        missing = sorted(str(i) for i in wanted - known)
        if missing:
            detail = request.gettext(message, ids=", ".join(missing))
            raise ProblemError(
                422,
                "Validation failed",
                detail,
                errors=[{"path": ["body", field], "message": detail, "type": "unknown_id"}],
            )


def _apply_rules(coupon: Coupon, rules: CouponRules) -> None:
    for field in RULE_FIELDS:
        value = getattr(rules, field)
        if field in ("course_ids", "category_ids"):
            value = [str(v) for v in dict.fromkeys(value)]
        setattr(coupon, field, value)


def rules_of(coupon: Coupon) -> dict[str, Any]:
    return {field: getattr(coupon, field) for field in RULE_FIELDS}


def _conflict(request, code: str) -> ProblemError:
    detail = request.gettext("A coupon with the code %(code)s already exists.", code=code)
    return ProblemError(
        409,
        "Conflict",
        detail,
        errors=[{"path": ["body", "code"], "message": detail, "type": "duplicate_code"}],
    )


def random_code(request, prefix: str = "") -> str:
    settings = request.plugin_settings("coupons")
    alphabet = settings.code_alphabet
    return prefix + "".join(secrets.choice(alphabet) for _ in range(settings.code_length))


def create_coupon(request, body: CouponIn) -> Coupon:
    check_restrictions(request, body)
    db = request.db
    code = normalize(body.code) if body.code else _free_codes(request, "", 1)[0]
    if db.scalar(sa.select(Coupon.id).where(Coupon.code == code)) is not None:
        raise _conflict(request, code)
    coupon = Coupon(code=code, created_by=request.identity.id)
    _apply_rules(coupon, body)
    try:
        with db.begin_nested():  # another admin may take the code meanwhile
            db.add(coupon)
            db.flush()
    except IntegrityError:
        raise _conflict(request, code) from None
    request.emit(
        "coupons.coupon.created",
        resource_type="coupon",
        resource_id=coupon.id,
        payload=_payload(coupon),
    )
    return coupon


def update_coupon(request, coupon: Coupon, patch: CouponPatch) -> Coupon:
    """Apply ``patch``; the merged coupon is validated as a whole (422 otherwise)."""
    from pydantic import ValidationError

    from learninghub.api import validation_errors

    changes = patch.model_dump(exclude_unset=True)
    merged = {**rules_of(coupon), **changes}
    if changes.get("kind") == "percent" and "amount_minor" not in changes:
        merged["amount_minor"] = None
    if changes.get("kind") == "fixed" and "percent_bp" not in changes:
        merged["percent_bp"] = None
    try:
        rules = CouponRules.model_validate(merged)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "Validation failed",
            "the coupon would be invalid",
            errors=validation_errors(exc, "body"),
        ) from None
    # a restriction left as it was is kept even if one of its courses was deleted since
    check_restrictions(
        request, rules, tuple(f for f in ("course_ids", "category_ids") if f in changes)
    )
    before = rules_of(coupon)
    _apply_rules(coupon, rules)
    changed = sorted(f for f in RULE_FIELDS if rules_of(coupon)[f] != before[f])
    request.db.flush()
    if changed:
        request.emit(
            "coupons.coupon.updated",
            resource_type="coupon",
            resource_id=coupon.id,
            payload={**_payload(coupon), "fields": ",".join(changed)},
        )
    return coupon


def deactivate(request, coupon: Coupon) -> Coupon:
    return update_coupon(request, coupon, CouponPatch(active=False))


def _free_codes(request, prefix: str, count: int) -> list[str]:
    """``count`` random codes no coupon of the tenant has (nor each other)."""
    db = request.db
    codes: set[str] = set()
    for _ in range(MAX_GENERATION_ROUNDS):
        if len(codes) >= count:
            break
        fresh = {random_code(request, prefix) for _ in range(count - len(codes))} - codes
        for chunk in _chunks(sorted(fresh), 500):
            taken = set(db.scalars(sa.select(Coupon.code).where(Coupon.code.in_(chunk))))
            codes.update(set(chunk) - taken)
    if len(codes) < count:
        detail = request.gettext(
            "Could not find enough unused codes: make the codes longer or their alphabet larger."
        )
        raise ProblemError(
            409,
            "Conflict",
            detail,
            errors=[{"path": ["body", "count"], "message": detail, "type": "codes_exhausted"}],
        )
    return sorted(codes)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def create_batch(request, body: BatchIn) -> tuple[Batch, list[str]]:
    check_restrictions(request, body)
    prefix = body.prefix.upper()
    rules = CouponRules.model_validate(body.model_dump(include=set(RULE_FIELDS)))
    batch = Batch(
        prefix=prefix,
        count=body.count,
        template=rules.model_dump(mode="json"),
        created_by=request.identity.id,
    )
    request.db.add(batch)
    request.db.flush()
    codes = _free_codes(request, prefix, body.count)
    for code in codes:
        coupon = Coupon(code=code, batch_id=batch.id, created_by=request.identity.id)
        _apply_rules(coupon, rules)
        request.db.add(coupon)
    request.db.flush()
    request.emit(
        "coupons.batch.created",
        resource_type="batch",
        resource_id=batch.id,
        payload={"batch_id": str(batch.id), "prefix": prefix, "count": body.count},
    )
    return batch, codes


def _payload(coupon: Coupon) -> dict[str, Any]:
    return {
        "coupon_id": str(coupon.id),
        "code": coupon.code,
        "kind": coupon.kind,
        "percent_bp": coupon.percent_bp,
        "amount_minor": coupon.amount_minor,
        "currency": coupon.currency,
        "max_uses": coupon.max_uses,
        "active": coupon.active,
    }


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return "'" + text
    return text


def batch_csv(db, batch: Batch) -> str:
    """The batch's codes and their usage, one row per code."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    stmt = sa.select(Coupon).where(Coupon.batch_id == batch.id).order_by(Coupon.code)
    for c in db.scalars(stmt):
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    c.code,
                    "yes" if c.active else "no",
                    c.used_count,
                    c.held_count,
                    "" if c.max_uses is None else c.max_uses,
                    "" if c.remaining is None else c.remaining,
                    c.created_at.isoformat(),
                )
            ]
        )
    return out.getvalue()
