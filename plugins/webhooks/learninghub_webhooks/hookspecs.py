"""The hook the webhooks plugin publishes (through ``learninghub_addhooks``)."""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class WebhooksSpecs:
    @hookspec
    def learninghub_webhooks_event_types(self, request) -> list:
        """Return the domain events (``request.emit`` names) that tenant admins may
        subscribe webhook endpoints to: a list of ``(name, description)`` pairs (or
        bare names). Called for the plugins enabled for the request's tenant only, so
        the events of a disabled plugin cannot be chosen. A listed event is delivered
        with its ``payload`` as is: list only events whose payload the tenant's admins
        may see, and never put secrets in a payload."""
