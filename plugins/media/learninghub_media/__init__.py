"""Learning Hub plugin: media assets.

Instructors and admins upload files through the storage service, either in one
multipart request (``POST /api/v1/media``) or resumably with the tus 1.0 protocol
(``/api/v1/media/uploads``). The bytes decide the content type (magic numbers),
checked against the tenant's allow-list, size limit and storage quota; images get a
320-pixel-wide thumbnail, audio and video their duration (ffmpeg) and videos a
poster frame; the ``learninghub_media_scan`` hook (ClamAV when configured)
runs before an asset becomes ``ready``. Files are delivered on short-lived signed URLs
bound to the user, with HTTP range requests for audio and video. Other plugins use
:mod:`learninghub_media.services` and answer ``learninghub_media_can_access``.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import models, tasks  # noqa: F401  (register the tables and the thumbnail task)
from .clamav import learninghub_media_scan  # noqa: F401  (the ClamAV scanner)
from .hookspecs import MediaSpecs
from .installer import MediaInstaller
from .permissions import DEFAULT_GRANTS, MediaPermission
from .settings import MediaSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="media",
    version=__version__,
    title="Media",
    description=(
        "Uploads (multipart and resumable), thumbnails, durations, video posters,"
        " signed URLs and scanning."
    ),
    settings=MediaSettings,
    permissions=MediaPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_media:migrations/versions",
    installer=MediaInstaller(),
)


def includeme(config) -> None:
    from pathlib import Path

    from learninghub.web import ContentHashCacheBuster

    from .display import format_duration_filter
    from .services import poster_url_for

    # absolute paths, like the kernel's: editable installs hide packages from pkg_resources
    static = Path(__file__).resolve().parent / "static"
    max_age = int(config.registry.settings.get("static.max_age", 31536000))
    config.add_static_view("static/media", str(static), cache_max_age=max_age)
    config.add_cache_buster(str(static) + "/", ContentHashCacheBuster(static))
    # page routes; the upload routes come first: "uploads" is not an asset id
    config.add_route("media.page.uploads", "/media/uploads")
    config.add_route("media.page.upload", "/media/uploads/{id}")
    config.add_route("media.page.list", "/media")
    config.add_route("media.file", "/media/{id}/file")
    config.add_route("media.thumbnail", "/media/{id}/thumbnail")
    config.add_route("media.poster", "/media/{id}/poster")
    config.add_route("media.page.delete", "/media/{id}/delete")
    # the tus routes must be added before /api/v1/media/{id} for the same reason
    config.scan(".tus")
    config.scan(".usage")
    config.scan(".api")
    config.scan(".delivery")
    config.scan(".views")
    templates = config.registry["templates"]
    templates.filters["format_duration"] = format_duration_filter
    templates.globals["media_poster_url"] = poster_url_for


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(MediaSpecs)


@hookimpl(trylast=True)
def learninghub_media_can_access(request, asset):
    """The default answer: the uploader and tenant admins (``media:asset:manage``)."""
    from .services import can_manage, is_owner

    return is_owner(request, asset) or can_manage(request)


@hookimpl
def learninghub_readiness_checks(request) -> list:
    """clamd answers PING, when the instance scans uploads (``plugin.media.clamd_socket``)."""
    from .clamav import readiness_checks

    return readiness_checks(request.registry)


@hookimpl
def learninghub_nav_items(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(MediaPermission.UPLOAD):
        return []
    return [
        NavItem(order=70, title=request.gettext("Media"), url=request.route_path("media.page.list"))
    ]
