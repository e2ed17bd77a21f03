"""JSON API: ``/api/v1/audit/events`` and ``/api/v1/audit/verify``.

Reading the trail needs ``tenant:audit:view``. Every query is confined to the
request's tenant by the ORM (and by row-level security on PostgreSQL).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from learninghub.api import Page, ProblemError, api_view, paginate

from .models import AuditEvent
from .permissions import AuditPermission as P
from .schemas import AuditEventOut, EventQuery, VerifyOut, to_out
from .service import verify_now

COLLECTION = "/api/v1/audit/events"


@api_view(
    "audit.events",
    COLLECTION,
    "GET",
    query=EventQuery,
    response=Page[AuditEventOut],
    permission=P.VIEW,
    summary="The tenant's audit trail, newest first (filters: actor, action, resource, time)",
    tags=["audit"],
)
def list_events(request, query: EventQuery):
    stmt = query.apply(sa.select(AuditEvent))
    rows, next_cursor = paginate(request.db, stmt, AuditEvent.occurred_at, AuditEvent.id, query)
    return Page[AuditEventOut](items=[to_out(r) for r in rows], next_cursor=next_cursor)


@api_view(
    "audit.event",
    COLLECTION + "/{id}",
    "GET",
    response=AuditEventOut,
    permission=P.VIEW,
    summary="One audit row",
    tags=["audit"],
)
def get_event(request):
    try:
        event_id = uuid.UUID(request.matchdict["id"])
    except ValueError:
        raise ProblemError(404, "Not found", "no such audit row") from None
    row = request.db.get(AuditEvent, event_id)  # None for another tenant's row
    if row is None:
        raise ProblemError(404, "Not found", "no such audit row")
    return to_out(row)


@api_view(
    "audit.verify",
    "/api/v1/audit/verify",
    "GET",
    response=VerifyOut,
    permission=P.VIEW,
    summary="Seal pending rows, then check the tenant's hash chain; names the first broken link",
    tags=["audit"],
)
def verify(request):
    return VerifyOut.model_validate(verify_now(request).as_dict())
