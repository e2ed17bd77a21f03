"""Recording: domain events and explicit actions become pending audit rows.

Rows are added to ``request.db`` *inside* the transaction of the change (through
the kernel hook ``learninghub_domain_event_emitted``), so a committed change always
has its row and a rolled-back one never has. The row is not flushed here: a
failure to store it surfaces at commit and fails the change with it (the trail
fails closed, on SQLite and PostgreSQL alike). The transaction's rows are chained
when it commits (see :mod:`.sealer`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from transaction._transaction import Status
from transaction.interfaces import NoTransaction
from zope.interface import implementer

from learninghub.clientip import client_ip
from learninghub.db import new_id, utcnow
from learninghub.identity import User

from .interfaces import IAuditTrail
from .models import AuditEvent
from .redact import redact
from .sealer import SEAL_TASK, seal_at_commit

PLUGIN = "audit"
#: kernel and own events recorded without a declaration
ALWAYS_PREFIXES = ("accounts.", "tenant.", "platform.", "audit.")
#: exports are sensitive by nature: any plugin's ``*.exported`` event is recorded
ALWAYS_SUFFIXES = (".exported",)
#: events whose subject signed themselves in: the user is the actor
SELF_ACTED = frozenset({"accounts.signin.succeeded"})
_SCHEDULED = "_lh_audit_seal_scheduled"
_OLD_KEYS = ("old", "before")
_NEW_KEYS = ("new", "after")


@dataclass(frozen=True)
class Declarations:
    patterns: tuple[str, ...] = ()
    secret_fields: frozenset[str] = frozenset()


def declarations(request) -> Declarations:
    """What the tenant's enabled plugins declared through
    ``learninghub_audit_auditable_events`` (cached for the request)."""
    cached = request.__dict__.get("_lh_audit_declarations")
    if cached is not None:
        return cached
    patterns: list[str] = []
    secrets: set[str] = set()
    for answer in request.hooks.learninghub_audit_auditable_events(request=request):
        for item in answer or ():
            if isinstance(item, str):
                patterns.append(item)
            elif isinstance(item, dict):
                patterns.extend(str(p) for p in item.get("events", ()))
                secrets.update(str(s) for s in item.get("secret_fields", ()))
    result = Declarations(tuple(patterns), frozenset(secrets))
    request.__dict__["_lh_audit_declarations"] = result
    return result


def is_auditable(request, name: str) -> bool:
    if name.startswith(ALWAYS_PREFIXES) or name.endswith(ALWAYS_SUFFIXES):
        return True
    return any(fnmatchcase(name, pattern) for pattern in declarations(request).patterns)


def split_payload(payload: dict[str, Any] | None) -> tuple[Any, Any, dict[str, Any]]:
    """(old values, new values, details) by the payload conventions of the
    ``learninghub_audit_auditable_events`` hookspec."""
    details = dict(payload or {})
    old = new = None
    for key in _OLD_KEYS:
        if key in details:
            old = details.pop(key)
            break
    for key in _NEW_KEYS:
        if key in details:
            new = details.pop(key)
            break
    changed = details.get("changed")
    if old is None and new is None and isinstance(changed, dict):
        pairs = {k: v for k, v in changed.items() if isinstance(v, list | tuple) and len(v) == 2}
        if len(pairs) == len(changed):
            details.pop("changed")
            old = {k: v[0] for k, v in pairs.items()}
            new = {k: v[1] for k, v in pairs.items()}
    return old, new, details


def _actor(request, actor_id: uuid.UUID | None) -> str:
    """The actor's email address (looked up when the actor is not the request's
    user, e.g. a user who has just signed in)."""
    if actor_id is None:
        return ""
    user = getattr(request, "identity", None)
    if user is None or user.id != actor_id:
        user = request.db.get(User, actor_id)
    return user.email if user is not None else ""


def _request_facts(request) -> dict[str, str]:
    return {
        "ip": (client_ip(request) or "")[:45],
        "user_agent": (getattr(request, "user_agent", None) or "")[:500],
    }


def _enabled(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.is_enabled(PLUGIN)


def new_row(
    request,
    *,
    tenant_id: uuid.UUID,
    action: str,
    occurred_at: datetime,
    actor_id: uuid.UUID | None,
    resource_type: str,
    resource_id: str,
    old: Any,
    new: Any,
    details: dict[str, Any] | None,
    request_id: str | None,
    event_id: uuid.UUID | None = None,
) -> AuditEvent:
    secrets = declarations(request).secret_fields
    row = AuditEvent(
        id=new_id(),
        tenant_id=tenant_id,
        kind="event",
        occurred_at=occurred_at,
        action=action[:200],
        actor_id=actor_id,
        actor_label=_actor(request, actor_id)[:254],
        resource_type=(resource_type or "")[:100],
        resource_id=str(resource_id or "")[:200],
        old_values=redact(old, secrets),
        new_values=redact(new, secrets),
        details=redact(details or {}, secrets),
        request_id=(request_id or "")[:100],
        event_id=event_id,
        **_request_facts(request),
    )
    request.db.add(row)
    schedule_seal(request)
    return row


def record_domain_event(request, event) -> AuditEvent | None:
    """The ``learninghub_domain_event_emitted`` implementation's body."""
    if not is_auditable(request, event.name):
        return None
    actor_id = event.actor_id
    if actor_id is None and event.name in SELF_ACTED and event.resource_type == "user":
        try:
            actor_id = uuid.UUID(event.resource_id)
        except ValueError:
            actor_id = None
    old, new, details = split_payload(event.payload)
    return new_row(
        request,
        tenant_id=event.tenant_id,
        action=event.name,
        occurred_at=event.occurred_at,
        actor_id=actor_id,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        old=old,
        new=new,
        details=details,
        request_id=event.request_id,
        event_id=event.id,
    )


def record_action(
    request,
    action: str,
    resource_type: str = "",
    resource_id: Any = "",
    old: Any = None,
    new: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Record an action that is not a domain event (see :class:`IAuditTrail`)."""
    if not _enabled(request):
        return None
    user = getattr(request, "identity", None)
    return new_row(
        request,
        tenant_id=request.tenant.id,
        action=action,
        occurred_at=utcnow(),
        actor_id=user.id if user is not None else None,
        resource_type=resource_type,
        resource_id=str(resource_id or ""),
        old=old,
        new=new,
        details=details,
        request_id=getattr(request, "request_id", None),
    )


def schedule_seal(request) -> None:
    """Seal this transaction's rows when it commits (once per transaction): at
    commit if the chain head is free, otherwise through the seal task queued for
    after commit (see :mod:`.sealer`). A rolled-back transaction seals and queues
    nothing."""
    tm = getattr(request, "tm", None)
    try:
        txn = tm.get() if tm is not None else None
    except NoTransaction:
        txn = None
    if txn is not None and txn.status is Status.DOOMED:
        return  # it will abort: nothing to seal
    if txn is None or txn.status is not Status.ACTIVE:
        # no transaction to join (set-up code): the task seals after this point
        if not request.__dict__.get(_SCHEDULED):
            request.__dict__[_SCHEDULED] = "task"
            request.tasks.enqueue(SEAL_TASK)
        return
    if request.__dict__.get(_SCHEDULED) is txn:
        return
    request.__dict__[_SCHEDULED] = txn
    txn.addBeforeCommitHook(seal_at_commit, (request,))


@implementer(IAuditTrail)
class AuditTrail:
    def __init__(self, request) -> None:
        self.request = request

    def record(
        self,
        action: str,
        resource_type: str = "",
        resource_id: Any = "",
        old: Any = None,
        new: Any = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent | None:
        return record_action(self.request, action, resource_type, resource_id, old, new, details)


def audit_trail_factory(context, request) -> AuditTrail:
    return AuditTrail(request)
