"""The multi-DRM interface (docs/plugins/streaming-playback.md, "DRM").

Out of the box a stream is protected by **AES-128 HLS encryption**: the segments are
encrypted, and the key is served only to a signed-in user who may watch, with a token
that lives ``key_token_seconds``. That deters casual downloading (saving the segments
gives unplayable files); it is *not* DRM: a viewer who may watch can fetch the key
with their own session and decrypt, and nothing stops screen capture. Widevine,
FairPlay and PlayReady keep the key inside the browser's CDM and need a licence
server from a commercial multi-DRM provider, and segments packaged (CENC/CBCS) by that
provider's tools.

A plugin integrating such a provider implements :class:`IDrmProvider` and registers it
as a service from its ``includeme``::

    from learninghub_streaming.playback.drm import IDrmProvider

    def includeme(config):
        config.register_service(MyProvider(config.registry.settings), IDrmProvider)

The player asks :func:`drm_provider` and, when there is one, passes
``key_system(request, stream)`` to hls.js as ``drmSystems`` (with the licence URL).
No provider ships with the platform.
"""

from __future__ import annotations

from typing import Any

from zope.interface import Interface


class IDrmProvider(Interface):
    """A commercial multi-DRM service (a registered service; none by default)."""

    def key_system(request, stream) -> dict[str, Any] | None:
        """What the player passes to hls.js ``drmSystems`` for ``stream`` — e.g.
        ``{"com.widevine.alpha": {"licenseUrl": ...}}`` — or None when the provider
        does not protect this stream (the player then plays the AES-128 HLS)."""

    def license_url(request, stream, scope) -> str | None:
        """The licence server URL for the request's user watching ``stream`` in
        ``scope`` (the caller checked ``access.may_watch``), or None."""


def drm_provider(request) -> Any | None:
    """The registered :class:`IDrmProvider`, or None when no plugin registered one."""
    try:
        return request.find_service(IDrmProvider)
    except LookupError:
        return None
