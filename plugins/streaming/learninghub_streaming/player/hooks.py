"""Hook implementations of the player part (gathered by the plugin's __init__)."""

from __future__ import annotations

from markupsafe import Markup


def content_media_player(request, course, lesson, version) -> Markup | None:
    """The streaming player in place of content's plain ``<video>``/``<audio>`` when
    the version's asset has a ready stream the visitor may watch in this lesson;
    None otherwise (content's player stays)."""
    from .views import media_player

    return media_player(request, course, lesson, version)
