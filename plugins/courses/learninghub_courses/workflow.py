"""Writes of the courses plugin: create, edit, the approval workflow, archive,
course staff and categories. Shared by the API and the pages.

Every change of a course emits its event (``courses.course.<verb>``, resource type
``course``; delivered after commit) and schedules the search reindex after commit.

Workflow::

    draft --submit--> in_review --approve--> published --archive--> archived
     ^ ^                  |                     ^                      |  |
     | +------return------+                     +--restore, published--+  |
     +-------------------------restore as a draft-------------------------+

Any status but archived can be archived. Submit publishes at once when the tenant's
``publish_without_review`` is on, or for admins; restore as published follows the same
rule. Nothing goes to review or becomes public while
``learninghub_courses_publish_problems`` has something to say (content: no published
lesson): 409 listing the messages.
"""

from __future__ import annotations

import uuid
from typing import Any

import nh3
import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.i18n import available_locales, normalize_locale
from learninghub.identity import RoleGrant, User, grant_role

from . import services, thumbnails
from .models import Course, CourseCategory
from .permissions import COURSE_ROLES

EVENT = "courses.course."
#: ``type`` of the errors of a 409 refused by ``learninghub_courses_publish_problems``
PUBLISH_PROBLEM = "publish_problem"


# ----------------------------------------------------------------- errors


def not_found(what: str = "course") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def forbidden(action: str) -> ProblemError:
    return ProblemError(403, "Forbidden", f"you may not {action} this course")


def conflict(detail: str, field: str | None = None) -> ProblemError:
    errors = [{"path": ["body", field], "message": detail, "type": "conflict"}] if field else None
    return ProblemError(409, "Conflict", detail, errors=errors)


def invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", field], "message": message, "type": "value_error"}],
    )


# ----------------------------------------------------------------- reading


def visible_course(request, course_id) -> Course:
    """The course if the caller may see it, else a 404 (never a 403: drafts stay secret)."""
    course = services.get_course(request.db, course_id)
    if course is None or not services.can_view(request, course):
        raise not_found()
    return course


def sanitize(description: str) -> str:
    return nh3.clean(description or "")


# ----------------------------------------------------------------- checks


def _check_language(request, language: str) -> str:
    offered = available_locales(request.registry.settings)
    value = normalize_locale(language)
    if value not in offered and value.split("_")[0] not in offered:
        raise invalid("language", f"not a language offered here ({', '.join(offered)})")
    return value


def _check_category(request, category_id: uuid.UUID | None) -> None:
    if category_id is not None and request.db.get(CourseCategory, category_id) is None:
        raise invalid("category_id", "no such category")


def _check_slug_free(request, slug: str, course: Course | None = None) -> None:
    stmt = sa.select(Course.id).where(Course.slug == slug)
    if course is not None:
        stmt = stmt.where(Course.id != course.id)
    if request.db.scalar(stmt) is not None:
        raise conflict("this slug is taken by another course", "slug")


def _emit(request, course: Course, verb: str, **payload: Any) -> None:
    request.emit(
        EVENT + verb,
        resource_type="course",
        resource_id=course.id,
        payload={"slug": course.slug, "title": course.title, "status": course.status, **payload},
    )


def _changed(request, course: Course, verb: str, **payload: Any) -> None:
    _emit(request, course, verb, **payload)
    services.request_reindex(request, course.id)


# ----------------------------------------------------------------- create and edit


def create_course(request, data: dict[str, Any]) -> Course:
    data = dict(data)
    data["language"] = _check_language(request, data.get("language", "en"))
    _check_category(request, data.get("category_id"))
    _check_slug_free(request, data["slug"])
    data["description"] = sanitize(data.get("description", ""))
    # set after the media plugin accepted it: until then the course must not vouch
    # for the asset (courses answers learninghub_media_can_access for thumbnails)
    thumbnail = data.pop("thumbnail_asset_id", None)
    now = utcnow()
    course = Course(
        id=uuid.uuid4(),
        status="draft",
        created_by=request.identity.id,
        created_at=now,
        updated_at=now,
        **data,
    )
    request.db.add(course)
    request.db.flush()
    grant_role(request.db, request.identity, "instructor", "course", str(course.id))
    services.forget_course_roles(request)
    thumbnails.attach(request, course, None, thumbnail)
    course.thumbnail_asset_id = thumbnail
    request.db.flush()
    _changed(request, course, "created")
    return course


def update_course(request, course: Course, changes: dict[str, Any]) -> Course:
    if not changes:
        return course
    if "language" in changes:
        changes["language"] = _check_language(request, changes["language"])
    if "category_id" in changes:
        _check_category(request, changes["category_id"])
    if "thumbnail_asset_id" in changes:
        thumbnails.attach(request, course, course.thumbnail_asset_id, changes["thumbnail_asset_id"])
    if "slug" in changes and changes["slug"] != course.slug:
        _check_slug_free(request, changes["slug"], course)
    if "description" in changes:
        changes["description"] = sanitize(changes["description"])
    for key, value in changes.items():
        setattr(course, key, value)
    course.updated_at = utcnow()
    request.db.flush()
    _changed(request, course, "updated", fields=sorted(changes))
    return course


# ----------------------------------------------------------------- workflow


def publishes_directly(request) -> bool:
    return services.is_admin(request) or request.plugin_settings("courses").publish_without_review


def publish_problems(request, course: Course) -> list[str]:
    """Why ``course`` may not go to review or be published yet: the messages of every
    ``learninghub_courses_publish_problems`` answer (English msgids; pages translate
    them), in order, without repeats. Empty: nothing stands in the way."""
    messages: list[str] = []
    for answer in request.hooks.learninghub_courses_publish_problems(
        request=request, course=course
    ):
        for message in answer or []:
            if isinstance(message, str) and message and message not in messages:
                messages.append(message)
    return messages


def check_publishable(request, course: Course) -> None:
    """A 409 listing :func:`publish_problems` when there are any."""
    problems = publish_problems(request, course)
    if problems:
        raise ProblemError(
            409,
            "Conflict",
            "the course cannot go to review or be published yet: " + " ".join(problems),
            errors=[
                {"path": ["course"], "message": message, "type": PUBLISH_PROBLEM}
                for message in problems
            ],
        )


def submit(request, course: Course) -> Course:
    """draft → in_review (or → published when review is not needed)."""
    if not services.can_edit(request, course):
        raise forbidden("submit")
    if course.status != "draft":
        raise conflict(f"only drafts are submitted; this course is {course.status}")
    check_publishable(request, course)
    if publishes_directly(request):
        return _publish(request, course)
    course.status = "in_review"
    course.updated_at = utcnow()
    request.db.flush()
    _changed(request, course, "submitted")
    return course


def approve(request, course: Course) -> Course:
    """in_review → published (tenant admins)."""
    if not services.is_admin(request):
        raise forbidden("approve")
    if course.status != "in_review":
        raise conflict(f"only courses in review are approved; this course is {course.status}")
    check_publishable(request, course)
    return _publish(request, course)


def _publish(request, course: Course) -> Course:
    now = utcnow()
    course.status = "published"
    course.published_at = course.published_at or now
    course.review_comment = ""
    course.updated_at = now
    request.db.flush()
    _changed(request, course, "published")
    return course


def return_to_draft(request, course: Course, comment: str) -> Course:
    """in_review → draft with the admin's comment (tenant admins)."""
    if not services.is_admin(request):
        raise forbidden("return")
    if course.status != "in_review":
        raise conflict(f"only courses in review are returned; this course is {course.status}")
    course.status = "draft"
    course.review_comment = comment
    course.updated_at = utcnow()
    request.db.flush()
    _changed(request, course, "returned", comment=comment)
    return course


def archive(request, course: Course) -> Course:
    """Any status → archived (instructors of the course and admins). Links keep
    working for staff; visitors get a 404."""
    if not services.can_edit(request, course):
        raise forbidden("archive")
    if course.status == "archived":
        raise conflict("this course is already archived")
    course.status = "archived"
    course.updated_at = utcnow()
    request.db.flush()
    _changed(request, course, "archived")
    return course


RESTORE_TARGETS = ("draft", "published")


def restore(request, course: Course, status: str = "draft") -> Course:
    """archived → draft (instructors of the course and admins: like archiving, it
    shows nothing to visitors), or archived → published (those who publish without
    review: admins, or everyone when the tenant's ``publish_without_review`` is on;
    not while :func:`publish_problems` has something to say). Emits
    ``courses.course.restored`` (payload ``old``/``new`` status) and, when published,
    ``courses.course.published``. The review comment is kept for a draft."""
    if status not in RESTORE_TARGETS:
        raise invalid("status", "draft or published")
    if not services.can_edit(request, course):
        raise forbidden("restore")
    if status == "published" and not publishes_directly(request):
        raise forbidden("publish")
    if course.status != "archived":
        raise conflict(f"only archived courses are restored; this course is {course.status}")
    if status == "published":
        check_publishable(request, course)
    now = utcnow()
    course.status = status
    course.updated_at = now
    if status == "published":
        course.published_at = course.published_at or now
        course.review_comment = ""
    request.db.flush()
    _changed(request, course, "restored", old={"status": "archived"}, new={"status": status})
    if status == "published":
        _emit(request, course, "published")
    return course


# ----------------------------------------------------------------- staff


def staff_of(request, course: Course) -> list[dict[str, Any]]:
    rows = request.db.execute(
        sa.select(User.id, User.display_name, User.email, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.resource_type == "course",
            RoleGrant.resource_id == str(course.id),
            RoleGrant.role.in_(COURSE_ROLES),
        )
        .order_by(User.display_name, User.id, RoleGrant.role)
    ).all()
    members: dict[uuid.UUID, dict[str, Any]] = {}
    for uid, name, email, role in rows:
        member = members.setdefault(
            uid, {"user_id": uid, "display_name": name, "email": email, "roles": []}
        )
        member["roles"].append(role)
    return list(members.values())


def add_staff(request, course: Course, user: User, role: str) -> bool:
    if not services.can_edit(request, course):
        raise forbidden("change the staff of")
    exists = request.db.scalar(
        sa.select(RoleGrant.id).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role,
            RoleGrant.resource_type == "course",
            RoleGrant.resource_id == str(course.id),
        )
    )
    if exists is not None:
        return False
    grant_role(request.db, user, role, "course", str(course.id))
    services.forget_course_roles(request)
    _changed(request, course, "updated", staff_added=str(user.id), role=role)
    return True


def remove_staff(request, course: Course, user_id: uuid.UUID, role: str | None) -> int:
    if not services.can_edit(request, course):
        raise forbidden("change the staff of")
    roles = (role,) if role else COURSE_ROLES
    grants = list(
        request.db.scalars(
            sa.select(RoleGrant).where(
                RoleGrant.resource_type == "course",
                RoleGrant.resource_id == str(course.id),
                RoleGrant.role.in_(COURSE_ROLES),
            )
        )
    )
    mine = [g for g in grants if g.user_id == user_id and g.role in roles]
    if not mine:
        raise not_found("staff member")
    instructors_left = {g.user_id for g in grants if g.role == "instructor"} - {
        g.user_id for g in mine if g.role == "instructor"
    }
    if not instructors_left:
        raise conflict("a course keeps at least one instructor")
    for grant in mine:
        request.db.delete(grant)
    request.db.flush()
    services.forget_course_roles(request)
    _changed(request, course, "updated", staff_removed=str(user_id))
    return len(mine)


# ----------------------------------------------------------------- categories


def all_categories(db) -> list[CourseCategory]:
    return list(
        db.scalars(sa.select(CourseCategory).order_by(CourseCategory.position, CourseCategory.name))
    )


def category_tree(categories: list[CourseCategory]) -> list[tuple[CourseCategory, int]]:
    """(category, depth) in tree order: parents before their children, siblings by
    position then name. Orphans (parent gone) are shown as roots."""
    ids = {c.id for c in categories}
    children: dict[uuid.UUID | None, list[CourseCategory]] = {}
    for c in categories:
        parent = c.parent_id if c.parent_id in ids else None
        children.setdefault(parent, []).append(c)
    out: list[tuple[CourseCategory, int]] = []

    def walk(parent, depth):
        for c in children.get(parent, []):
            out.append((c, depth))
            if depth < 50:
                walk(c.id, depth + 1)

    walk(None, 0)
    return out


def descendants(categories: list[CourseCategory], root: uuid.UUID) -> set[uuid.UUID]:
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c.id)
    seen = {root}
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _check_category_slug(request, slug: str, category: CourseCategory | None = None) -> None:
    stmt = sa.select(CourseCategory.id).where(CourseCategory.slug == slug)
    if category is not None:
        stmt = stmt.where(CourseCategory.id != category.id)
    if request.db.scalar(stmt) is not None:
        raise conflict("this slug is taken by another category", "slug")


def _check_parent(request, parent_id, category: CourseCategory | None = None) -> None:
    if parent_id is None:
        return
    if request.db.get(CourseCategory, parent_id) is None:
        raise invalid("parent_id", "no such category")
    if category is not None and parent_id in descendants(all_categories(request.db), category.id):
        raise invalid("parent_id", "a category cannot move under itself or its sub-categories")


def create_category(request, data: dict[str, Any]) -> CourseCategory:
    _check_category_slug(request, data["slug"])
    _check_parent(request, data.get("parent_id"))
    category = CourseCategory(id=uuid.uuid4(), **data)
    request.db.add(category)
    request.db.flush()
    return category


def update_category(request, category: CourseCategory, changes: dict[str, Any]) -> CourseCategory:
    if "slug" in changes:
        _check_category_slug(request, changes["slug"], category)
    if "parent_id" in changes:
        _check_parent(request, changes["parent_id"], category)
    for key, value in changes.items():
        setattr(category, key, value)
    request.db.flush()
    return category


def delete_category(request, category: CourseCategory) -> None:
    """Sub-categories move up to the deleted one's parent; its courses lose their
    category (and are reindexed: their facet changes)."""
    db = request.db
    db.execute(
        sa.update(CourseCategory)
        .where(CourseCategory.parent_id == category.id)
        .values(parent_id=category.parent_id)
        .execution_options(synchronize_session="fetch")
    )
    affected = list(db.scalars(sa.select(Course.id).where(Course.category_id == category.id)))
    db.execute(
        sa.update(Course)
        .where(Course.category_id == category.id)
        .values(category_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.delete(category)
    db.flush()
    for course_id in affected:
        services.request_reindex(request, course_id)
