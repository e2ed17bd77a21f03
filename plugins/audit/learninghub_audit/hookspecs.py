"""Hooks the audit plugin publishes (through ``learninghub_addhooks``)."""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class AuditSpecs:
    @hookspec
    def learninghub_audit_auditable_events(self, request) -> list:
        """Declare which of your domain events the audit trail records.

        Return a list whose items are either a pattern string or a dict::

            "forum.thread.*"
            {"events": ["forum.thread.*", "forum.post.deleted"],
             "secret_fields": ["webhook_secret"]}

        Patterns are ``fnmatch`` patterns (case-sensitive) matched against
        ``DomainEvent.name``. ``secret_fields`` are extra payload keys whose values
        are replaced by ``[redacted]`` (keys that look like passwords, tokens, keys,
        codes... are redacted anyway). Only implementations of plugins enabled for
        the request's tenant are asked; the answer is cached for the request.

        The kernel's ``accounts.*``, ``tenant.*`` and ``platform.*`` events, the audit
        plugin's own and every event whose name ends in ``.exported`` are recorded
        without a declaration.

        Payload conventions read by the recorder: ``old`` / ``new`` (or ``before`` /
        ``after``) dicts, or ``changed: {field: [old, new]}``, become the row's old and
        new values; every other key is kept as details."""
