"""The analytics part of the streaming plugin (docs/design/streaming-contracts.md,
"analytics"; docs/plugins/streaming-analytics.md): heartbeats, views, watch time,
the drop-off curve, auto-completion of lessons, the editors' page and CSV."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("streaming.page.analytics", "/streaming/streams/{id}/analytics")
    config.add_route("streaming.page.analytics_csv", "/streaming/streams/{id}/analytics.csv")
    config.add_route("streaming.page.heartbeat", "/streaming/streams/{id}/heartbeats")
    config.scan(".api")
    config.scan(".views")
