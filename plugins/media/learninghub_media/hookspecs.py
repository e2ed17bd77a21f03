"""Hooks the media plugin publishes to other plugins (through ``learninghub_addhooks``).

Call them through ``request.hooks`` (only plugins enabled for the tenant answer).
"""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class MediaSpecs:
    @hookspec(firstresult=True)
    def learninghub_media_can_access(self, request, asset):
        """May the request's user (``request.identity``, possibly None) see ``asset``
        (a ``media_assets`` row of the request's tenant, any status)? Return True,
        False, or None for no opinion; the first non-None answer wins. The media
        plugin's own answer, asked last, is: the uploader and holders of
        ``media:asset:manage`` (tenant admins) only. content answers for assets used
        by lessons, courses for course thumbnails (public once the course is
        published)."""

    @hookspec
    def learninghub_media_scan(self, request, asset, path):
        """Scan the bytes of ``asset`` (status ``uploading``; its ``content_type``,
        ``size`` and ``sha256`` are known) before it becomes ``ready``. ``path`` is a
        local file holding exactly those bytes (read it, do not keep it). Return None
        when not configured (no opinion), ``"clean"``, ``"infected <signature>"`` or
        ``"error <message>"``, or raise. ``infected`` quarantines the asset; ``error``
        and an exception reject it (fail closed: the media plugin calls the scanners
        itself, and unlike ``request.hooks`` does not skip one that raises). Only
        ``clean`` and None let it become ``ready``. ClamAV answers when
        ``plugin.media.clamd_socket`` is set."""
