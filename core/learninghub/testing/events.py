"""Domain events delivered during a test.

Fixture ``events`` (registered by the testing plugin): a recorder registered with the
plugin manager for the test, implementing ``learninghub_domain_event`` (after commit)::

    def test_publish(..., events):
        ...
        assert events.names() == ["announcements.announcement.published"]
        assert events.named("accounts.")[0].actor_id == user.id
        assert events.statuses == ["Committed"]   # transaction state at delivery
"""

from __future__ import annotations

import uuid

from ..hookspecs import hookimpl


class EventRecorder:
    def __init__(self) -> None:
        self.events: list = []
        #: the delivering request's transaction status per event (after commit: Committed)
        self.statuses: list = []

    @hookimpl
    def learninghub_domain_event(self, request, event) -> None:
        self.events.append(event)
        tm = getattr(request, "tm", None)
        self.statuses.append(tm.get().status if tm is not None else None)

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def named(self, prefix: str) -> list:
        return [e for e in self.events if e.name.startswith(prefix)]


def recording(registry):
    """Register a recorder for the duration of a ``with`` block / fixture."""
    recorder = EventRecorder()
    name = f"test-event-recorder-{uuid.uuid4().hex[:8]}"
    pm = registry["plugins"].pm
    pm.register(recorder, name=name)
    return recorder, lambda: pm.unregister(name=name)
