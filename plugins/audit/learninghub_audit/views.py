"""Admin pages: ``/admin/audit`` (viewer), ``/admin/audit/verify`` (chain check),
``/admin/audit/export.csv`` (CSV export, itself recorded) and
``/admin/audit/retention`` (retention period, apply now).

Pages authenticate with the session cookie and check permissions through the
kernel's ``gate`` (sign-in redirect for visitors, themed 403 otherwise), after the
kernel's 404 for tenants without the plugin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.plugins import TenantPlugins
from learninghub.shell import gate, render_page
from learninghub.tenancy import Tenant

from .chain import canonical_json
from .export import to_csv
from .models import AuditEvent
from .permissions import AuditPermission as P
from .recorder import record_action
from .retention import RetentionRefused, apply_retention
from .schemas import EventFilter
from .service import seal_now, verify_now
from .settings import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, AuditSettings

PAGE_SIZE = 50
#: larger exports are refused: narrow the time range
MAX_EXPORT_ROWS = 100_000
FORM_FIELDS = ("actor", "action", "resource", "from", "to")
SECTION = "/admin/audit"


def _day(text: str, *, end: bool) -> datetime:
    """A date (YYYY-MM-DD, whole day in UTC) or an ISO datetime."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def form_filter(request) -> tuple[EventFilter, dict[str, str], dict[str, str]]:
    """(filter, form values, field -> error message) from the query string."""
    _ = request.gettext
    values = {k: request.GET.get(k, "").strip()[:254] for k in FORM_FIELDS}
    errors: dict[str, str] = {}
    data: dict[str, object] = {"actor": values["actor"], "action": values["action"]}
    resource_type, _sep, resource_id = values["resource"].partition(":")
    data.update(resource_type=resource_type.strip(), resource_id=resource_id.strip())
    for field, key, end in (("from", "since", False), ("to", "until", True)):
        if values[field]:
            try:
                data[key] = _day(values[field], end=end)
            except ValueError:
                errors[field] = _("Enter a date as YYYY-MM-DD.")
    try:
        flt = EventFilter.model_validate(data)
    except ValidationError:
        errors.setdefault("to", _("The end of the period must come after its start."))
        flt = EventFilter()
    if errors:
        flt = EventFilter()
    return flt, values, errors


def _query_string(values: dict[str, str], **extra: str) -> str:
    params = {k: v for k, v in values.items() if v}
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _json(value) -> str:
    return "" if value in (None, {}, []) else canonical_json(value)


def _row_view(row: AuditEvent) -> dict:
    details = dict(row.details or {})
    if details.get("ip") == row.ip:  # shown once, in the "who" column
        details.pop("ip")
    return {
        "row": row,
        "when": row.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "old": _json(row.old_values),
        "new": _json(row.new_values),
        "details": _json(details),
    }


@view_config(route_name="audit.page.events", request_method="GET")
def events_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    flt, values, errors = form_filter(request)
    cursor = request.GET.get("cursor") or None
    rows: list[AuditEvent] = []
    next_cursor = None
    status = 422 if errors else 200
    if not errors:
        try:
            page = PageQuery(limit=PAGE_SIZE, cursor=cursor)
            rows, next_cursor = paginate(
                request.db,
                flt.apply(sa.select(AuditEvent)),
                AuditEvent.occurred_at,
                AuditEvent.id,
                page,
            )
        except (ProblemError, ValidationError, ValueError):
            errors["cursor"] = request.gettext("This page link is no longer valid.")
            status = 400
    return render_page(
        request,
        "audit/events.jinja2",
        status,
        section=SECTION,
        rows=[_row_view(r) for r in rows],
        values=values,
        errors=errors,
        first_page=not cursor,
        next_url=(
            f"{SECTION}?{_query_string(values, cursor=next_cursor)}" if next_cursor else None
        ),
        export_url=(
            f"{SECTION}/export.csv?{_query_string(values)}"
            if request.has_permission(P.EXPORT)
            else None
        ),
        can_manage=bool(request.has_permission(P.MANAGE)),
    )


@view_config(route_name="audit.page.verify", request_method="GET")
def verify_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    result = verify_now(request)
    return render_page(
        request,
        "audit/verify.jinja2",
        section=SECTION,
        result=result,
        can_manage=bool(request.has_permission(P.MANAGE)),
    )


@view_config(route_name="audit.page.export", request_method="GET")
def export_csv(request):
    denied = gate(request, P.EXPORT)
    if denied is not None:
        return denied
    flt, values, errors = form_filter(request)
    if errors:
        return render_page(
            request,
            "audit/events.jinja2",
            422,
            section=SECTION,
            rows=[],
            values=values,
            errors=errors,
            first_page=True,
            next_url=None,
            export_url=None,
            can_manage=False,
        )
    seal_now(request)
    stmt = flt.apply(sa.select(AuditEvent))
    total = request.db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    if total > MAX_EXPORT_ROWS:
        errors["to"] = request.gettext(
            "%(count)s rows match; an export holds at most %(max)s. Choose a shorter period.",
            count=total,
            max=MAX_EXPORT_ROWS,
        )
        return render_page(
            request,
            "audit/events.jinja2",
            413,
            section=SECTION,
            rows=[],
            values=values,
            errors=errors,
            first_page=True,
            next_url=None,
            export_url=None,
            can_manage=False,
        )
    # oldest first (pending rows, not chained yet, last), as the chain reads
    rows = request.db.scalars(
        stmt.order_by(
            AuditEvent.seq.is_(None), AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.id
        ).execution_options(yield_per=2000)
    )
    text, count = to_csv(rows)
    record_action(
        request,
        "audit.events.exported",
        resource_type="audit_trail",
        resource_id=str(request.tenant.id),
        details={"format": "csv", "rows": count, "filters": flt.active()},
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    response = Response(body=text.encode("utf-8"), content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="audit-{request.tenant.slug}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _last_checkpoint(request) -> AuditEvent | None:
    return request.db.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.kind == "checkpoint", AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


@view_config(route_name="audit.page.retention", request_method=("GET", "POST"))
def retention_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    current = request.plugin_settings("audit").retention_days
    value = str(current)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "save":
            value = request.POST.get("retention_days", "").strip()
            try:
                days = AuditSettings(retention_days=value).retention_days
            except ValidationError:
                errors["retention_days"] = _(
                    "Enter a whole number of days from %(min)s to %(max)s.",
                    min=MIN_RETENTION_DAYS,
                    max=MAX_RETENTION_DAYS,
                )
                status = 422
            else:
                tenant = request.db.get(Tenant, request.tenant.id)
                TenantPlugins(request.registry, request.db, tenant).enable(
                    "audit", settings={"retention_days": days}
                )
                request.registry["tenancy.resolver"].invalidate()
                if days != current:
                    record_action(
                        request,
                        "audit.settings.changed",
                        resource_type="plugin",
                        resource_id="audit",
                        old={"retention_days": current},
                        new={"retention_days": days},
                    )
                return HTTPSeeOther(location=f"{SECTION}/retention?saved=1")
        elif action == "apply":
            try:
                result = apply_retention(request)
            except RetentionRefused as exc:
                broken = exc.result.broken
                errors["apply"] = _(
                    "Nothing was removed: the trail is broken at row %(seq)s (%(reason)s).",
                    seq=broken.seq if broken else "?",
                    reason=broken.reason if broken else "",
                )
                status = 409
            else:
                record_action(
                    request,
                    "audit.retention.applied",
                    resource_type="audit_trail",
                    resource_id=str(request.tenant.id),
                    details=result.as_dict(),
                )
                return HTTPSeeOther(location=f"{SECTION}/retention?removed={result.removed}")
        else:
            status = 400
    flash = ""
    if request.GET.get("saved"):
        flash = _("Retention period saved.")
    elif request.GET.get("removed", "").isdigit():
        flash = _(
            "Retention applied: %(count)s rows summarised into a checkpoint.",
            count=request.GET["removed"],
        )
    return render_page(
        request,
        "audit/retention.jinja2",
        status,
        section=SECTION,
        value=value,
        errors=errors,
        flash=flash,
        minimum=MIN_RETENTION_DAYS,
        maximum=MAX_RETENTION_DAYS,
        checkpoint=_last_checkpoint(request),
    )
