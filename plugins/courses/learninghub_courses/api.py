"""JSON API: ``/api/v1/courses``, its workflow and staff, and ``/api/v1/course-categories``.

* Reading the catalog and a published course needs no sign-in; drafts, courses in
  review and archived ones answer 404 except to their staff.
* Creating needs ``courses:course:create`` (instructors, admins); editing,
  submitting, archiving, restoring as a draft and changing the staff need to be an
  instructor of the course or an admin; approving, returning and restoring as
  published need ``courses:course:review`` (or the tenant's ``publish_without_review``
  for restoring as published).
* Unknown, malformed and other tenants' ids answer 404 alike.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from pyramid.response import Response

from learninghub import pagecache
from learninghub.api import ProblemError, api_view
from learninghub.identity import User, normalize_email

from . import catalog, services, workflow
from .models import Course, CourseCategory
from .permissions import CoursePermission as P
from .schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
    CourseCreate,
    CourseListOut,
    CourseListQuery,
    CourseOut,
    CourseUpdate,
    RestoreBody,
    ReturnBody,
    StaffAdd,
    StaffMember,
)

COLLECTION = "/api/v1/courses"
ITEM = COLLECTION + "/{id}"
CATEGORIES = "/api/v1/course-categories"
CATEGORY = CATEGORIES + "/{id}"


def to_out(request, course: Course, categories=None, instructors=None) -> CourseOut:
    if categories is None:
        category = (
            request.db.get(CourseCategory, course.category_id) if course.category_id else None
        )
    else:
        category = categories.get(course.category_id)
    if instructors is None:
        instructors = catalog.instructors_of(request.db, [course.id])
    return CourseOut(
        id=course.id,
        slug=course.slug,
        title=course.title,
        subtitle=course.subtitle,
        description=course.description,
        category=(
            {"id": category.id, "name": category.name, "slug": category.slug}
            if category is not None
            else None
        ),
        tags=list(course.tags or []),
        level=course.level,
        language=course.language,
        price_minor=course.price_minor,
        currency=course.currency,
        is_free=course.is_free,
        thumbnail_asset_id=course.thumbnail_asset_id,
        status=course.status,
        review_comment=course.review_comment if services.is_staff(request, course) else None,
        instructors=instructors.get(str(course.id), []),
        created_by=course.created_by,
        created_at=course.created_at,
        updated_at=course.updated_at,
        published_at=course.published_at,
        enrolment_count=course.enrolment_count,
        rating_average=course.rating_average,
        rating_count=course.rating_count,
        url=request.route_path("courses.item", id=str(course.id)),
        html_url=services.course_url(request, course),
    )


def _json(model, status: int, location: str | None = None) -> Response:
    response = Response(
        model.model_dump_json(), status=status, content_type="application/json", charset="utf-8"
    )
    if location:
        response.location = location
    return response


# ----------------------------------------------------------------- courses


@api_view(
    "courses.collection",
    COLLECTION,
    "GET",
    query=CourseListQuery,
    response=CourseListOut,
    summary="Search and list courses (facets, sorts, pagination)",
)
def list_courses(request, query: CourseListQuery):
    """Published courses for everyone, plus the caller's own courses in every status
    but archived. ``mine`` lists only the caller's courses; ``status`` filters any
    status for admins."""
    if query.mine and request.identity is None:
        raise ProblemError(
            401,
            "Unauthorized",
            "`mine` needs a signed-in user",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    result = catalog.run(
        request,
        catalog.CatalogQuery(
            **query.model_dump(exclude={"cursor"}),
            offset=catalog.offset_from_cursor(query.cursor),
        ),
    )
    pagecache.allow(request)  # anonymous callers only (learninghub.pagecache)
    return CourseListOut(
        items=[to_out(request, c, result.categories, result.instructors) for c in result.courses],
        total=result.total,
        facets=result.facets,
        next_cursor=catalog.cursor_for(result.next_offset),
    )


@api_view(
    "courses.collection",
    COLLECTION,
    "POST",
    body=CourseCreate,
    response=CourseOut,
    status=201,
    permission=P.CREATE,
    summary="Create a course (a draft; the caller becomes its instructor)",
)
def create_course(request, body: CourseCreate):
    course = workflow.create_course(request, body.model_dump())
    out = to_out(request, course)
    return _json(out, 201, out.url)


@api_view("courses.item", ITEM, "GET", response=CourseOut, summary="One course")
def get_course(request):
    pagecache.allow(request)
    return to_out(request, workflow.visible_course(request, request.matchdict["id"]))


@api_view(
    "courses.item",
    ITEM,
    "PATCH",
    body=CourseUpdate,
    response=CourseOut,
    authenticated=True,
    summary="Edit a course (its instructors and admins)",
)
def update_course(request, body: CourseUpdate):
    course = workflow.visible_course(request, request.matchdict["id"])
    if not services.can_edit(request, course):
        raise workflow.forbidden("edit")
    workflow.update_course(request, course, body.model_dump(exclude_unset=True))
    return to_out(request, course)


@api_view(
    "courses.item",
    ITEM,
    "DELETE",
    response=CourseOut,
    authenticated=True,
    summary="Archive a course (it is kept; visitors no longer see it)",
)
def archive_course(request):
    course = workflow.visible_course(request, request.matchdict["id"])
    workflow.archive(request, course)
    return to_out(request, course)


@api_view(
    "courses.submit",
    ITEM + "/submit",
    "POST",
    response=CourseOut,
    authenticated=True,
    summary="Submit a draft for review (published at once without review)",
)
def submit_course(request):
    course = workflow.visible_course(request, request.matchdict["id"])
    workflow.submit(request, course)
    return to_out(request, course)


@api_view(
    "courses.approve",
    ITEM + "/approve",
    "POST",
    response=CourseOut,
    permission=P.REVIEW,
    summary="Approve a course in review: it is published",
)
def approve_course(request):
    course = workflow.visible_course(request, request.matchdict["id"])
    workflow.approve(request, course)
    return to_out(request, course)


@api_view(
    "courses.return",
    ITEM + "/return",
    "POST",
    body=ReturnBody,
    response=CourseOut,
    permission=P.REVIEW,
    summary="Return a course in review to its instructors, with a comment",
)
def return_course(request, body: ReturnBody):
    course = workflow.visible_course(request, request.matchdict["id"])
    workflow.return_to_draft(request, course, body.comment)
    return to_out(request, course)


@api_view(
    "courses.restore",
    ITEM + "/restore",
    "POST",
    body=RestoreBody,
    response=CourseOut,
    authenticated=True,
    summary="Restore an archived course as a draft, or published (admins)",
)
def restore_course(request, body: RestoreBody):
    """Instructors of the course and admins restore it as a draft; ``published`` needs
    the right to publish without review. 409 unless archived, or (published) while
    ``learninghub_courses_publish_problems`` has objections."""
    course = workflow.visible_course(request, request.matchdict["id"])
    workflow.restore(request, course, body.status)
    return to_out(request, course)


# ----------------------------------------------------------------- staff


def _staff_course(request) -> Course:
    course = workflow.visible_course(request, request.matchdict["id"])
    if not services.is_staff(request, course):
        raise workflow.forbidden("see the staff of")
    return course


@api_view(
    "courses.staff",
    ITEM + "/staff",
    "GET",
    response=list[StaffMember],
    authenticated=True,
    summary="Instructors and teaching assistants of a course (its staff)",
)
def list_staff(request):
    return workflow.staff_of(request, _staff_course(request))


@api_view(
    "courses.staff",
    ITEM + "/staff",
    "POST",
    body=StaffAdd,
    response=list[StaffMember],
    status=201,
    authenticated=True,
    summary="Make a user of the tenant an instructor or teaching assistant of a course",
)
def add_staff(request, body: StaffAdd):
    course = _staff_course(request)
    if body.user_id is not None:
        user = request.db.get(User, body.user_id)
    else:
        user = request.db.scalar(
            sa.select(User).where(User.email == normalize_email(body.email or ""))
        )
    if user is None or not user.is_active:
        field = "user_id" if body.user_id is not None else "email"
        raise workflow.invalid(field, "no active user of this site")
    workflow.add_staff(request, course, user, body.role)
    return workflow.staff_of(request, course)


@api_view(
    "courses.staff_member",
    ITEM + "/staff/{user_id}",
    "DELETE",
    status=204,
    authenticated=True,
    summary="Remove a user's course roles (?role= one of them); one instructor stays",
)
def remove_staff(request):
    course = _staff_course(request)
    try:
        user_id = uuid.UUID(request.matchdict["user_id"])
    except ValueError:
        raise workflow.not_found("staff member") from None
    role = request.GET.get("role") or None
    if role not in (None, "instructor", "teaching_assistant"):
        raise ProblemError(
            422,
            "Validation failed",
            "the query string is invalid",
            errors=[
                {
                    "path": ["query", "role"],
                    "message": "instructor or teaching_assistant",
                    "type": "enum",
                }
            ],
        )
    workflow.remove_staff(request, course, user_id, role)


# ----------------------------------------------------------------- categories


def category_out(request, category: CourseCategory, depth: int = 0) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        name=category.name,
        slug=category.slug,
        parent_id=category.parent_id,
        position=category.position,
        depth=depth,
        url=request.route_path("courses.category", id=str(category.id)),
    )


def _category(request) -> CourseCategory:
    try:
        category = request.db.get(CourseCategory, uuid.UUID(request.matchdict["id"]))
    except ValueError:
        category = None
    if category is None:
        raise workflow.not_found("category")
    return category


@api_view(
    "courses.categories",
    CATEGORIES,
    "GET",
    response=list[CategoryOut],
    summary="Every category, in tree order (parents first) with its depth",
)
def list_categories(request):
    tree = workflow.category_tree(workflow.all_categories(request.db))
    return [category_out(request, c, depth) for c, depth in tree]


@api_view(
    "courses.categories",
    CATEGORIES,
    "POST",
    body=CategoryCreate,
    response=CategoryOut,
    status=201,
    permission=P.CATEGORIES,
    summary="Create a category (under `parent_id`, or a root)",
)
def create_category(request, body: CategoryCreate):
    category = workflow.create_category(request, body.model_dump())
    out = category_out(request, category)
    return _json(out, 201, out.url)


@api_view("courses.category", CATEGORY, "GET", response=CategoryOut, summary="One category")
def get_category(request):
    return category_out(request, _category(request))


@api_view(
    "courses.category",
    CATEGORY,
    "PATCH",
    body=CategoryUpdate,
    response=CategoryOut,
    permission=P.CATEGORIES,
    summary="Rename, move or reorder a category",
)
def update_category(request, body: CategoryUpdate):
    category = _category(request)
    workflow.update_category(request, category, body.model_dump(exclude_unset=True))
    return category_out(request, category)


@api_view(
    "courses.category",
    CATEGORY,
    "DELETE",
    status=204,
    permission=P.CATEGORIES,
    summary="Delete a category (sub-categories move up; its courses lose it)",
)
def delete_category(request):
    workflow.delete_category(request, _category(request))
