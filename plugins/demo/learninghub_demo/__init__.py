"""Learning Hub plugin (hidden): demo content for ``learninghub demo``.

Implements the kernel's ``learninghub_demo_data`` hook: in the demo tenants
(``demo``, ``campus``) it creates about a dozen realistic courses with sections and
lessons (text, plus short generated video and audio clips), generated thumbnails,
enrolments with progress and reviews — through the services of the courses,
content, media, enrollment and reviews plugins (:mod:`.seed`). No tables, no routes.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest

__version__ = "0.1.0"

manifest = PluginManifest(
    name="demo",
    version=__version__,
    title="Demo content",
    description="Seeds realistic demo courses, lessons, media, enrolments and reviews.",
    requires=("courses", "content", "media", "enrollment", "reviews"),
    hidden=True,
)


@hookimpl
def learninghub_demo_data(request) -> None:
    from .seed import seed_tenant

    seed_tenant(request)
