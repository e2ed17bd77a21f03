"""The audit trail as a service, for plugins that record actions explicitly."""

from __future__ import annotations

from typing import Any

from zope.interface import Interface


class IAuditTrail(Interface):
    """``request.find_service(IAuditTrail)``: record admin actions and exports that
    are not domain events.

    Declare ``requires=("audit",)`` in your manifest to rely on it; otherwise use a
    domain event named ``<plugin>.<resource>.exported`` (recorded without a
    declaration) or declare your events through ``learninghub_audit_auditable_events``.
    """

    def record(
        action: str,
        resource_type: str = "",
        resource_id: Any = "",
        old: Any = None,
        new: Any = None,
        details: dict[str, Any] | None = None,
    ) -> Any:
        """Record ``action`` (``<plugin>.<resource>.<verb>``) for the request's tenant
        and user, in the request's transaction: the row commits or rolls back with
        the change. Secrets in ``old``, ``new`` and ``details`` are redacted. Returns
        the pending row, or None when the audit plugin is not enabled for the
        tenant."""
