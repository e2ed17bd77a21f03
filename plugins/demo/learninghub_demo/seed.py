"""Seeding one demo tenant through the catalog plugins' services.

Everything goes through the same Python functions the API and pages use
(``learninghub_courses.workflow``, ``learninghub_content.services``,
``learninghub_media.ingest``, ``learninghub_enrollment.services``,
``learninghub_reviews.services``), each called on a request that acts as the right
person: the instructor creates and submits, the admin approves, learners enrol, make
progress and review. So validation, access rules, events, counters and search
indexing apply exactly as for a person clicking.

Idempotent: a course whose slug exists is left alone (its files are not made
again); enrolments, lesson progress and reviews are only added when missing.
"""

from __future__ import annotations

import io
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.identity import User, create_user
from learninghub.tasks import make_tenant_request

from . import generate
from .catalog import CATEGORIES, DemoCourse, DemoLesson, all_courses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    """Who does what in a demo tenant."""

    author: str  # creates the courses
    approver: str | None  # approves them (None: the author publishes directly)
    domain: str  # e-mail domain of the extra demo learners


PROFILES: dict[str, Profile] = {
    "demo": Profile("instructor@demo.example", "admin@demo.example", "demo.example"),
    "campus": Profile("admin@campus.example", None, "campus.example"),
}

#: learner key -> (local part, display name, created when missing). ``learner`` is the
#: kernel's demo learner (never created here); the others only write reviews and
#: have no password (they cannot sign in).
LEARNERS: dict[str, tuple[str, str, bool]] = {
    "learner": ("learner", "Demo Learner", False),
    "maria": ("maria.garcia", "María García", True),
    "kenji": ("kenji.sato", "Kenji Sato", True),
    "amira": ("amira.haddad", "Amira Haddad", True),
}


def act_as(request, user: User | None):
    """A request of the same tenant, transaction and session acting as ``user``
    (per-request caches of roles, enrolments and permissions start empty)."""
    sub = make_tenant_request(request.registry, request.tenant, request.tm)
    sub.__dict__["db"] = request.db
    sub.__dict__["_lh_identity"] = user
    sub.context = None  # no traversal: permissions are the user's tenant-wide ones
    return sub


def find_user(db, email: str) -> User | None:
    return db.scalar(sa.select(User).where(User.email == email))


class Seeder:
    def __init__(self, request, profile: Profile) -> None:
        self.request = request
        self.db = request.db
        self.profile = profile
        self.created: list[str] = []
        self._media: dict[str, Any] = {}
        self._media_missing_logged = False

    # ------------------------------------------------------------- people

    def learner(self, key: str) -> User | None:
        local, name, create = LEARNERS[key]
        email = f"{local}@{self.profile.domain}"
        user = find_user(self.db, email)
        if user is None and create:
            user = create_user(
                self.db, self.request.registry["passwords"], email, None, ("learner",), name
            )
            self.db.flush()
        return user

    # ------------------------------------------------------------- categories

    def categories(self, req) -> dict[str, uuid.UUID]:
        from learninghub_courses import workflow

        existing = {c.slug: c.id for c in workflow.all_categories(self.db)}
        for slug, name, position in CATEGORIES:
            if slug not in existing:
                category = workflow.create_category(
                    req, {"slug": slug, "name": name, "position": position}
                )
                existing[slug] = category.id
        return existing

    # ------------------------------------------------------------- media

    def _ingest(self, req, data: bytes, filename: str):
        from learninghub_media import ingest

        name = ingest.clean_filename(filename)
        ingest.check_quota(req, len(data))
        return ingest.ingest(req, io.BytesIO(data), len(data), name)

    def _try_ingest(self, req, data: bytes, filename: str):
        """The ready asset, or None when media refuses it (a tenant's type allow-list,
        size limit or quota; a scanner's verdict): the seed goes on without it."""
        try:
            asset = self._ingest(req, data, filename)
        except ProblemError as exc:
            log.warning("demo data: %s refused by media: %s", filename, exc)
            return None
        if not asset.is_ready:
            log.warning("demo data: %s is %s; left out", filename, asset.status)
            return None
        return asset

    def media_asset(self, req, kind: str):
        """The generated clip of ``kind`` (video or audio) stored once per run as a
        media asset of the author; None when ffmpeg is not available."""
        if kind not in self._media:
            settings = self.request.registry.settings
            path = (
                generate.demo_video(settings) if kind == "video" else generate.demo_audio(settings)
            )
            asset = None
            if path is not None:
                asset = self._try_ingest(req, path.read_bytes(), path.name)
            self._media[kind] = asset
        asset = self._media[kind]
        if asset is None and not self._media_missing_logged:
            self._media_missing_logged = True
            log.warning("demo data: no generated %s; media lessons are left out", kind)
        return asset

    # ------------------------------------------------------------- courses

    def course(self, author_req, approver_req, spec: DemoCourse, categories) -> Any | None:
        from learninghub_courses import services as courses
        from learninghub_courses import workflow
        from learninghub_courses.schemas import CourseCreate

        existing = courses.get_course_by_slug(self.db, spec.slug)
        if existing is not None:
            return existing
        thumbnail = self._try_ingest(
            author_req, generate.thumbnail_png(spec.title), f"{spec.slug}-cover.png"
        )
        body = CourseCreate(
            title=spec.title,
            slug=spec.slug,
            subtitle=spec.subtitle,
            description=spec.description,
            category_id=categories.get(spec.category),
            tags=list(spec.tags),
            level=spec.level,
            language=spec.language,
            price_minor=spec.price_minor,
            currency=spec.currency,
            thumbnail_asset_id=thumbnail.id if thumbnail is not None else None,
        )
        try:
            course = workflow.create_course(author_req, body.model_dump())
        except ProblemError as exc:  # e.g. a language this instance does not offer
            log.warning("demo data: course %s left out: %s %s", spec.slug, exc, exc.errors)
            return None
        for section_spec in spec.sections:
            self.section(author_req, course, section_spec)
        course = workflow.submit(author_req, course)
        if course.status == "in_review" and approver_req is not None:
            course = workflow.approve(approver_req, course)
        self.created.append(spec.slug)
        return course

    def section(self, req, course, section_spec) -> None:
        from learninghub_content import services as content

        lessons = [lesson for lesson in section_spec.lessons if self._playable(req, lesson)]
        if not lessons:
            return
        section = content.create_section(req, course, section_spec.title)
        for spec in lessons:
            self.lesson(req, course, section, spec)

    def _playable(self, req, spec: DemoLesson) -> bool:
        return spec.type == "text" or self.media_asset(req, spec.type) is not None

    def lesson(self, req, course, section, spec: DemoLesson) -> None:
        from learninghub_content import services as content

        asset = self.media_asset(req, spec.type) if spec.type != "text" else None
        lesson = content.create_lesson(
            req,
            course,
            section,
            title=spec.title,
            lesson_type=spec.type,
            is_free_preview=spec.free_preview,
            duration_s=(
                int(asset.duration_s or generate.SECONDS)
                if asset is not None
                else spec.minutes * 60
            ),
            content=content.ContentInput(
                body=spec.body,
                format="markdown",
                media_asset_id=asset.id if asset is not None else None,
            ),
        )
        content.publish_lesson(req, course, lesson)

    # ------------------------------------------------------------- learners

    def enrol(self, user: User, course, completed_lessons: int) -> None:
        from learninghub_content import services as content
        from learninghub_enrollment import services as enrollment

        req = act_as(self.request, user)
        current = enrollment.active_enrollment(req, course)
        if current is None:
            current = enrollment.enrol(
                req, course, user, "free" if course.price_minor == 0 else "admin"
            )
        done = enrollment.completed_lesson_ids(req, course)
        for lesson in content.published_lessons(self.db, course.id)[:completed_lessons]:
            if lesson.id not in done:
                enrollment.record_progress(req, current, lesson, completed=True)

    def review(self, user: User, course, rating: int, text: str) -> None:
        from learninghub_reviews import services as reviews

        req = act_as(self.request, user)
        if reviews.my_review(req, course) is not None:
            return
        self.enrol(user, course, completed_lessons=2)
        req = act_as(self.request, user)  # fresh caches after the progress
        try:
            reviews.create(req, course, rating, text)
        except ProblemError as exc:  # e.g. the tenant asks for more progress
            log.warning("demo data: review of %s left out: %s", course.slug, exc)

    # ------------------------------------------------------------- all

    def run(self) -> list[str]:
        author = find_user(self.db, self.profile.author)
        if author is None:
            log.warning("demo data: %s not found; nothing seeded", self.profile.author)
            return []
        approver = find_user(self.db, self.profile.approver) if self.profile.approver else None
        author_req = act_as(self.request, author)
        approver_req = act_as(self.request, approver) if approver is not None else None
        categories = self.categories(author_req)
        made = []
        for spec in all_courses():
            course = self.course(author_req, approver_req, spec, categories)
            if course is not None and course.status == "published":
                made.append((spec, course))
        for spec, course in made:
            if spec.learner_progress is not None:
                learner = self.learner("learner")
                if learner is not None:
                    self.enrol(learner, course, spec.learner_progress)
            for key, rating, text in spec.reviews:
                reviewer = self.learner(key)
                if reviewer is not None:
                    self.review(reviewer, course, rating, text)
        return self.created


def seed_tenant(request) -> list[str]:
    """Seed the request's tenant when it is a demo tenant (``demo`` or ``campus``);
    returns the slugs of the courses created by this call."""
    tenant = request.tenant
    profile = PROFILES.get(tenant.slug) if tenant is not None else None
    if profile is None:
        return []
    created = Seeder(request, profile).run()
    if created:
        log.info("demo data: %d courses created in tenant %s", len(created), tenant.slug)
    return created
