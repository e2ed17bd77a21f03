"""Learning Hub plugin: course reviews.

Enrolled learners rate a course from 1 to 5 stars with a text (one review each,
editable, after a minimum progress the tenant chooses); the course staff reply in
public; readers mark reviews helpful and report them for moderation (the
``learninghub_reviews_reported`` hook). The rating summary (average, count,
distribution) is recomputed in the transaction of every change and written to the
course through ``courses.services.bump_stats``. Shown on the course's landing page
(``learninghub_courses_landing_sections``) and on ``/courses/{slug}/reviews``. The
contract with the other catalog plugins is docs/design/catalog-contracts.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import Widget

from . import models  # noqa: F401  (register the tables)
from .hookspecs import ReviewsSpecs
from .installer import ReviewsInstaller
from .permissions import DEFAULT_GRANTS, ReviewPermission
from .settings import ReviewsSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="reviews",
    version=__version__,
    title="Reviews",
    description="Course ratings and reviews by enrolled learners, with instructor replies.",
    requires=("courses", "enrollment"),
    settings=ReviewsSettings,
    permissions=ReviewPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_reviews:migrations/versions",
    installer=ReviewsInstaller(),
)


def includeme(config) -> None:
    config.add_route("reviews.page.list", "/courses/{slug}/reviews")
    config.add_route("reviews.page.delete", "/courses/{slug}/reviews/delete")
    config.add_route("reviews.page.helpful", "/courses/{slug}/reviews/{review_id}/helpful")
    config.add_route("reviews.page.report", "/courses/{slug}/reviews/{review_id}/report")
    config.add_route("reviews.page.reply", "/courses/{slug}/reviews/{review_id}/reply")
    config.scan(".api")
    config.scan(".views")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(ReviewsSpecs)


@hookimpl
def learninghub_courses_landing_sections(request, course) -> list[Widget]:
    """The rating summary and the latest reviews, with a link to all of them."""
    from .views import landing_context

    return [
        Widget(
            order=50,
            title=request.gettext("Reviews"),
            template="reviews/landing.jinja2",
            context=landing_context(request, course),
            key="reviews",
        )
    ]
