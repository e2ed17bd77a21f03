"""Admin pages of the coupons plugin (``coupons:coupon:manage``).

* ``/admin/coupons`` — coupons newest first, search by code, filter by status or
  batch, paginated; a deactivate button per active coupon;
* ``/admin/coupons/new`` and ``/admin/coupons/{id}`` — the coupon form (new, edit);
* ``POST /admin/coupons/{id}/deactivate``;
* ``/admin/coupons/batches/new`` — bulk generation; success lists the batch with the
  link to ``/admin/coupons/batches/{id}/codes.csv``.

Forms are POSTs with a CSRF token; success redirects (303) with a notice; invalid
input re-renders the form (422) with its errors, and a refused change (a duplicate
code) with 409. Amounts are typed in major units of the currency (``12.50``),
percentages as percents (``12.5``), times in the admin's time zone.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from babel.numbers import get_currency_precision
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from . import services
from .api import coupon_query, csv_response
from .models import Coupon
from .permissions import CouponPermission as P
from .schemas import BatchIn, CouponIn, CouponPatch, CouponRules

PAGE_SIZE = 25
CHOICES = 500
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DONE = {
    "created": N_("Coupon created."),
    "saved": N_("Coupon saved."),
    "deactivated": N_("Coupon deactivated."),
    "generated": N_("Codes generated. Download them as CSV below."),
}
FIELD_MESSAGES = {
    "code": N_("Use 3 to 64 letters, digits, - or _."),
    "kind": N_("Choose a percentage or a fixed amount."),
    "percent_bp": N_("Enter a percentage from 0.01 to 100 with at most two decimals."),
    "amount_minor": N_("Enter an amount above zero, in the currency's units (12.50)."),
    "currency": N_("Enter a three-letter currency code such as EUR."),
    "min_purchase_minor": N_("Enter an amount of zero or more, in the currency's units."),
    "max_uses": N_("Enter a whole number of 1 or more, or leave it empty."),
    "max_uses_per_user": N_("Enter a whole number of 1 or more, or leave it empty."),
    "valid_from": N_("Enter a date and time."),
    "valid_until": N_("Enter a date and time."),
    "course_ids": N_("Choose courses from the list."),
    "category_ids": N_("Choose categories from the list."),
    "prefix": N_("Use up to 20 letters, digits or -."),
    "count": N_("Enter a number of codes from 1 to 5000."),
}


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


# ----------------------------------------------------------------- list


@view_config(route_name="coupons.admin.list", request_method="GET")
def list_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    text = (request.GET.get("q") or "").strip()[:64]
    state = request.GET.get("status") or ""
    batch = (
        services.get_batch(request.db, request.GET.get("batch"))
        if request.GET.get("batch")
        else None
    )
    active = {"active": True, "inactive": False}.get(state)
    stmt = coupon_query(text, active, batch.id if batch else None)
    try:
        rows, next_cursor = paginate(
            request.db,
            stmt,
            Coupon.created_at,
            Coupon.id,
            PageQuery(limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    query = {k: v for k, v in (("q", text), ("status", state)) if v}
    if batch is not None:
        query["batch"] = str(batch.id)
    return render_page(
        request,
        "coupons/admin_list.jinja2",
        section=request.route_path("coupons.admin.list"),
        coupons=rows,
        text=text,
        state=state,
        batch=batch,
        next_url=request.route_path("coupons.admin.list", _query={**query, "cursor": next_cursor})
        if next_cursor
        else None,
        flash=_flash(request),
    )


@view_config(route_name="coupons.admin.deactivate", request_method="POST")
def deactivate(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    coupon = services.get_coupon(request.db, request.matchdict["id"])
    if coupon is None:
        raise HTTPNotFound()
    services.deactivate(request, coupon)
    return HTTPSeeOther(
        location=request.route_path("coupons.admin.list", _query={"done": "deactivated"})
    )


# ----------------------------------------------------------------- forms


def _to_minor(raw: str, currency: str | None) -> int:
    try:
        digits = get_currency_precision(currency or "EUR")
    except Exception:
        digits = 2
    value = Decimal(raw.strip().replace(",", "."))
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value() or not value.is_finite():
        raise ValueError(raw)
    return int(minor)


def _to_bp(raw: str) -> int:
    value = Decimal(raw.strip().replace(",", ".")) * 100
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(raw)
    return int(value)


def _to_local_time(request, raw: str):
    from datetime import UTC, datetime

    raw = (raw or "").strip()
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=request.timezone)
    return parsed.astimezone(UTC)


def form_values(request, coupon: Coupon | None = None) -> dict:
    """The form's fields as strings: from the POST, else from ``coupon`` (or defaults)."""
    if request.method == "POST":
        post = request.POST
        return {
            "code": post.get("code", ""),
            "kind": post.get("kind", ""),
            "percent": post.get("percent", ""),
            "amount": post.get("amount", ""),
            "currency": post.get("currency", ""),
            "min_purchase": post.get("min_purchase", ""),
            "max_uses": post.get("max_uses", ""),
            "max_uses_per_user": post.get("max_uses_per_user", ""),
            "valid_from": post.get("valid_from", ""),
            "valid_until": post.get("valid_until", ""),
            "course_ids": post.getall("course_ids"),
            "category_ids": post.getall("category_ids"),
            "active": post.get("active") == "on",
            "prefix": post.get("prefix", ""),
            "count": post.get("count", ""),
        }
    if coupon is None:
        currency = request.plugin_settings("payments").currency
        return {
            "code": "",
            "kind": "percent",
            "percent": "",
            "amount": "",
            "currency": currency,
            "min_purchase": "",
            "max_uses": "",
            "max_uses_per_user": "",
            "valid_from": "",
            "valid_until": "",
            "course_ids": [],
            "category_ids": [],
            "active": True,
            "prefix": "",
            "count": "100",
        }
    digits = get_currency_precision(coupon.currency) if coupon.currency else 2

    def major(minor):
        return "" if not minor else str(Decimal(minor).scaleb(-digits))

    def local(value):
        return value.astimezone(request.timezone).strftime(LOCAL_FORMAT) if value else ""

    return {
        "code": coupon.code,
        "kind": coupon.kind,
        "percent": "" if coupon.percent_bp is None else str(Decimal(coupon.percent_bp) / 100),
        "amount": major(coupon.amount_minor),
        "currency": coupon.currency or "",
        "min_purchase": major(coupon.min_purchase_minor),
        "max_uses": "" if coupon.max_uses is None else str(coupon.max_uses),
        "max_uses_per_user": ""
        if coupon.max_uses_per_user is None
        else str(coupon.max_uses_per_user),
        "valid_from": local(coupon.valid_from),
        "valid_until": local(coupon.valid_until),
        "course_ids": list(coupon.course_ids),
        "category_ids": list(coupon.category_ids),
        "active": coupon.active,
        "prefix": "",
        "count": "",
    }


def parse_rules(request, values: dict, extra: tuple[str, ...]) -> tuple[dict, dict]:
    """(data for the pydantic model, errors by field) from the form's strings."""
    errors: dict[str, str] = {}
    currency = (values["currency"] or "").strip().upper() or None
    kind = values["kind"]
    data: dict = {
        "kind": kind,
        "currency": currency,
        "course_ids": values["course_ids"],
        "category_ids": values["category_ids"],
        "active": values["active"],
    }
    converters = (
        ("percent_bp", "percent", _to_bp, kind == "percent"),
        ("amount_minor", "amount", lambda raw: _to_minor(raw, currency), kind == "fixed"),
        ("min_purchase_minor", "min_purchase", lambda raw: _to_minor(raw, currency), True),
        ("max_uses", "max_uses", int, True),
        ("max_uses_per_user", "max_uses_per_user", int, True),
        ("valid_from", "valid_from", lambda raw: _to_local_time(request, raw), True),
        ("valid_until", "valid_until", lambda raw: _to_local_time(request, raw), True),
    )
    for field, key, convert, wanted in converters:
        raw = (values[key] or "").strip()
        if not raw or not wanted:
            continue
        try:
            data[field] = convert(raw)
        except (ValueError, InvalidOperation, OverflowError):
            errors[field] = request.gettext(FIELD_MESSAGES[field])
    for key in extra:
        raw = (values[key] or "").strip()
        if raw:
            data[key] = raw
    return data, errors


def validation_messages(request, exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        if field in FIELD_MESSAGES:
            errors.setdefault(field, request.gettext(FIELD_MESSAGES[field]))
        else:
            message = err["msg"].removeprefix("Value error, ")
            errors.setdefault("form", message)
    return errors


def validate(request, model, data: dict, errors: dict):
    """(the model, {}) or (None, errors by field): the fields that could not be read
    (``errors``) and those the model refuses, each with one message."""
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        found = validation_messages(request, exc)
        if errors:
            found.pop("form", None)  # most likely a consequence of an unreadable field
        return None, {**found, **errors}
    if errors:
        return None, errors
    return body, {}


def _choices(request, values: dict) -> dict:
    """Courses and categories to restrict to: the first 500 by name, and always the
    chosen ones (a form must not drop a restriction it did not list)."""
    from learninghub_courses.models import Course, CourseCategory

    def options(model, label, chosen) -> list[tuple[str, str]]:
        ids = [i for i in (services.parse_id(v) for v in chosen) if i is not None]
        stmt = sa.select(model.id, label).order_by(label).limit(CHOICES)
        rows = dict(request.db.execute(stmt).all())
        if ids:
            rows.update(
                request.db.execute(sa.select(model.id, label).where(model.id.in_(ids))).all()
            )
        return sorted(((str(i), t) for i, t in rows.items()), key=lambda pair: pair[1].lower())

    return {
        "course_choices": options(Course, Course.title, values["course_ids"]),
        "category_choices": options(CourseCategory, CourseCategory.name, values["category_ids"]),
    }


def _form(request, template: str, status: int = 200, **values):
    return render_page(
        request,
        template,
        status,
        section=request.route_path("coupons.admin.list"),
        errors=values.pop("errors", {}),
        **_choices(request, values["values"]),
        **values,
    )


def _problem_errors(request, exc: ProblemError) -> dict[str, str]:
    fields = [e["path"][-1] for e in exc.errors or () if e.get("path")]
    key = fields[0] if fields else "form"
    return {str(key): exc.detail}


@view_config(route_name="coupons.admin.new", request_method=("GET", "POST"))
def new_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    values = form_values(request)
    action = request.route_path("coupons.admin.new")
    if request.method == "GET":
        return _form(
            request, "coupons/admin_form.jinja2", values=values, coupon=None, action=action
        )
    body, errors = validate(request, CouponIn, *parse_rules(request, values, ("code",)))
    status = 422
    if body is not None:
        try:
            services.create_coupon(request, body)
        except ProblemError as exc:
            errors, status = _problem_errors(request, exc), exc.status
        else:
            return HTTPSeeOther(
                location=request.route_path("coupons.admin.list", _query={"done": "created"})
            )
    return _form(
        request,
        "coupons/admin_form.jinja2",
        status,
        values=values,
        coupon=None,
        action=action,
        errors=errors,
    )


@view_config(route_name="coupons.admin.edit", request_method=("GET", "POST"))
def edit_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    coupon = services.get_coupon(request.db, request.matchdict["id"])
    if coupon is None:
        raise HTTPNotFound()
    values = form_values(request, coupon)
    action = request.route_path("coupons.admin.edit", id=str(coupon.id))
    if request.method == "GET":
        return _form(
            request, "coupons/admin_form.jinja2", values=values, coupon=coupon, action=action
        )
    rules, errors = validate(request, CouponRules, *parse_rules(request, values, ()))
    status = 422
    if rules is not None:
        patch = CouponPatch.model_validate(rules.model_dump())
        try:
            services.update_coupon(request, coupon, patch)
        except ProblemError as exc:
            errors, status = _problem_errors(request, exc), exc.status
        else:
            return HTTPSeeOther(
                location=request.route_path("coupons.admin.list", _query={"done": "saved"})
            )
    return _form(
        request,
        "coupons/admin_form.jinja2",
        status,
        values=values,
        coupon=coupon,
        action=action,
        errors=errors,
    )


@view_config(route_name="coupons.admin.batch_new", request_method=("GET", "POST"))
def batch_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    values = form_values(request)
    if request.method == "GET":
        return _form(request, "coupons/admin_batch.jinja2", values=values)
    body, errors = validate(request, BatchIn, *parse_rules(request, values, ("prefix", "count")))
    status = 422
    if body is not None:
        try:
            batch, _codes = services.create_batch(request, body)
        except ProblemError as exc:
            errors, status = _problem_errors(request, exc), exc.status
        else:
            return HTTPSeeOther(
                location=request.route_path(
                    "coupons.admin.list", _query={"batch": str(batch.id), "done": "generated"}
                )
            )
    return _form(request, "coupons/admin_batch.jinja2", status, values=values, errors=errors)


@view_config(route_name="coupons.admin.batch_csv", request_method="GET")
def batch_csv(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    batch = services.get_batch(request.db, request.matchdict["id"])
    if batch is None:
        raise HTTPNotFound()
    return csv_response(request, batch)
