"""JSON API of the coupons plugin (admins: ``coupons:coupon:manage``).

* ``GET /api/v1/admin/coupons`` — newest first; ``q`` (part of the code), ``active``,
  ``batch_id``; cursor pagination;
* ``POST /api/v1/admin/coupons`` — one coupon (a random code when none is given);
* ``GET|PATCH /api/v1/admin/coupons/{id}`` — read, change (any field but the code;
  ``{"active": false}`` deactivates);
* ``POST /api/v1/admin/coupons/batches`` — ``count`` random codes with a ``prefix``;
* ``GET /api/v1/admin/coupons/batches/{id}/codes.csv`` — the batch's codes and usage.

Unknown, malformed and other tenants' ids answer 404 alike.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, ProblemError, api_view, paginate

from . import services
from .models import Batch, Coupon
from .permissions import CouponPermission as P
from .schemas import BatchIn, BatchOut, CouponIn, CouponListQuery, CouponOut, CouponPatch

ITEM = "/api/v1/admin/coupons/{id}"
TAGS = ["coupons"]


def to_out(c: Coupon) -> CouponOut:
    return CouponOut.model_validate(c, from_attributes=True)


def like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def coupon_query(q: str | None, active: bool | None, batch_id: uuid.UUID | None):
    stmt = sa.select(Coupon)
    if q:
        stmt = stmt.where(Coupon.code.like(like_pattern(q.strip().upper()), escape="\\"))
    if active is not None:
        stmt = stmt.where(Coupon.active == active)
    if batch_id is not None:
        stmt = stmt.where(Coupon.batch_id == batch_id)
    return stmt


def _coupon(request) -> Coupon:
    coupon = services.get_coupon(request.db, request.matchdict["id"])
    if coupon is None:
        raise ProblemError(404, "Not found", "no such coupon")
    return coupon


@api_view(
    "coupons.api.list",
    "/api/v1/admin/coupons",
    "GET",
    query=CouponListQuery,
    response=Page[CouponOut],
    permission=P.MANAGE,
    summary="Coupons, newest first",
    tags=TAGS,
)
def list_coupons(request, query: CouponListQuery):
    stmt = coupon_query(query.q, query.active, query.batch_id)
    rows, next_cursor = paginate(
        request.db, stmt, Coupon.created_at, Coupon.id, query, id_type=uuid.UUID
    )
    return Page[CouponOut](items=[to_out(c) for c in rows], next_cursor=next_cursor)


@api_view(
    "coupons.api.list",
    "/api/v1/admin/coupons",
    "POST",
    body=CouponIn,
    response=CouponOut,
    status=201,
    permission=P.MANAGE,
    summary="Create a coupon",
    tags=TAGS,
)
def create_coupon(request, body: CouponIn):
    coupon = services.create_coupon(request, body)
    request.response.headers["Location"] = request.route_url("coupons.api.item", id=coupon.id)
    return to_out(coupon)


@api_view(
    "coupons.api.item",
    ITEM,
    "GET",
    response=CouponOut,
    permission=P.MANAGE,
    summary="One coupon",
    tags=TAGS,
)
def get_coupon(request):
    return to_out(_coupon(request))


@api_view(
    "coupons.api.item",
    ITEM,
    "PATCH",
    body=CouponPatch,
    response=CouponOut,
    permission=P.MANAGE,
    summary="Change a coupon (active: false deactivates it)",
    tags=TAGS,
)
def patch_coupon(request, body: CouponPatch):
    return to_out(services.update_coupon(request, _coupon(request), body))


@api_view(
    "coupons.api.batches",
    "/api/v1/admin/coupons/batches",
    "POST",
    body=BatchIn,
    response=BatchOut,
    status=201,
    permission=P.MANAGE,
    summary="Generate a batch of random codes",
    tags=TAGS,
)
def create_batch(request, body: BatchIn):
    batch, codes = services.create_batch(request, body)
    url = request.route_url("coupons.api.batch_csv", id=batch.id)
    request.response.headers["Location"] = url
    return BatchOut(
        id=batch.id,
        prefix=batch.prefix,
        count=batch.count,
        created_at=batch.created_at,
        codes_url=url,
        codes=codes,
    )


def csv_response(request, batch: Batch) -> Response:
    response = Response(
        body=services.batch_csv(request.db, batch).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
    )
    name = f"coupons-{batch.prefix or 'batch'}-{batch.created_at:%Y%m%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@api_view(
    "coupons.api.batch_csv",
    "/api/v1/admin/coupons/batches/{id}/codes.csv",
    "GET",
    permission=P.MANAGE,
    summary="A batch's codes and their usage (CSV)",
    tags=TAGS,
)
def batch_codes_csv(request):
    batch = services.get_batch(request.db, request.matchdict["id"])
    if batch is None:
        raise ProblemError(404, "Not found", "no such batch")
    return csv_response(request, batch)
