"""The question bank of a course: create, update, archive, list, look up and draw.

Only the course's editors (``learninghub_courses.services.can_edit``: its instructors
and the tenant admins) read or write the bank; the checks live in ``editable_course``
(API and pages alike). A question's ``spec`` holds its answer key: nothing here
hands it to learners (``types.learner_view`` does that).

Every change of type, prompt, spec or points adds one to ``version`` and emits
``assessment.question.updated`` (payload ``course_id``, ``version``, ``changed``)
after commit; the quizzes part regrades the answers given to it.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import nh3
import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow

from ..lookups import not_found, parse_id
from ..models.questions import DIFFICULTIES, Question
from ..scoring import round_points
from . import types

QUESTION_UPDATED = "assessment.question.updated"
#: fields whose change makes a new version (and a regrade)
VERSIONED = ("type", "prompt", "spec", "points")
MEDIA_OWNER = "assessment_question"
MEDIA_KINDS = ("image", "video", "audio")
MAX_PROMPT = 20_000


class NotEnoughQuestions(ValueError):
    """A draw asked for more questions than the bank holds (``available`` of
    ``wanted`` for ``tags`` / ``difficulty``)."""

    def __init__(self, wanted: int, available: int, tags: Sequence[str], difficulty: str | None):
        self.wanted, self.available = wanted, available
        self.tags, self.difficulty = list(tags), difficulty
        super().__init__(
            f"the bank has {available} active questions tagged {self.tags or 'anything'}"
            f"{f' of difficulty {difficulty}' if difficulty else ''}; {wanted} wanted"
        )


# -- errors and access ----------------------------------------------------------------------


def invalid(path: Sequence[Any], message: str, type_: str = "value_error") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", *path], "message": message, "type": type_}],
    )


def can_edit(request, course) -> bool:
    from learninghub_courses import services as courses

    return request.identity is not None and bool(courses.can_edit(request, course))


def editable_course(request, raw_id: Any):
    """The course of ``raw_id`` for its editors: 404 when unknown, another tenant's or
    hidden from the caller (a draft they are not staff of), 403 when visible but not
    theirs to edit. (401 for anonymous callers comes first, from the API view.)"""
    from learninghub_courses import services as courses

    course = courses.get_course(request.db, parse_id(raw_id, "course"))
    if course is None or not courses.can_view(request, course):
        raise not_found("course")
    if not can_edit(request, course):
        raise ProblemError(403, "Forbidden", "only the course's editors use its question bank")
    return course


def get_question(request, course, raw_id: Any) -> Question:
    question = request.db.get(Question, parse_id(raw_id, "question"))
    if question is None or question.course_id != course.id:
        raise not_found("question")
    return question


def get_questions(db, course_id: uuid.UUID, ids: Iterable[Any]) -> dict[uuid.UUID, Question]:
    """The questions of the course among ``ids`` (UUIDs or strings; malformed ones
    ignored), archived ones included, in one query."""
    wanted = set()
    for raw in ids:
        try:
            wanted.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except (ValueError, TypeError):
            continue
    if not wanted:
        return {}
    rows = db.scalars(
        sa.select(Question).where(Question.course_id == course_id, Question.id.in_(wanted))
    )
    return {q.id: q for q in rows}


# -- normalising input --------------------------------------------------------------------


def sanitize_prompt(prompt: str) -> str:
    """The prompt as stored: nh3's default allow-list (no scripts, styles, events)."""
    return nh3.clean(prompt or "").strip()


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Lower-case, single-spaced, unique, in the given order."""
    seen: list[str] = []
    for tag in tags:
        clean = " ".join(str(tag).split()).casefold()
        if clean and clean not in seen:
            seen.append(clean)
    return seen


def _spec(question_type: str, spec: Any) -> dict[str, Any]:
    try:
        return types.validate_spec(question_type, spec)
    except types.SpecError as exc:
        if exc.path == ("type",):
            raise invalid(["type"], exc.text, "question_type") from None
        raise invalid(["spec", *exc.path], exc.text, "spec") from None


def _check_media(request, course, asset_id: uuid.UUID, current: uuid.UUID | None) -> None:
    """The asset must exist in the tenant, be one the editor may use (content's rule
    for lesson media, or already shown by a question of this course), be ready and be
    an image, a video or a recording. Error types like content's: ``media`` (unknown,
    another tenant's or not the editor's to use: one answer), ``not_ready``, ``type``."""
    from learninghub_content.services import may_use_asset
    from learninghub_media import services as media

    asset = media.get_asset(request.db, asset_id)
    if asset is None:
        raise invalid(["media_asset_id"], "no such media asset", "media")
    allowed = asset_id == current or may_use_asset(request, course.id, asset)
    if not allowed:
        allowed = (
            request.db.scalar(
                sa.select(sa.func.count())
                .select_from(Question)
                .where(Question.course_id == course.id, Question.media_asset_id == asset_id)
            )
            > 0
        )
    if not allowed:
        raise invalid(["media_asset_id"], "no such media asset", "media")
    if not asset.is_ready:
        raise invalid(["media_asset_id"], f"the asset is {asset.status}, not ready", "not_ready")
    if (asset.content_type or "").split("/", 1)[0] not in MEDIA_KINDS:
        raise invalid(
            ["media_asset_id"], "a question shows an image, a video or a recording", "type"
        )


def _attach_media(request, question: Question, old: uuid.UUID | None) -> None:
    from learninghub_media import services as media

    if old is not None and old != question.media_asset_id:
        media.detach(request, old, MEDIA_OWNER, question.id)
    if question.media_asset_id is not None and question.media_asset_id != old:
        try:
            media.attach(request, question.media_asset_id, MEDIA_OWNER, question.id)
        except ProblemError:
            raise invalid(["media_asset_id"], "no such media asset", "media") from None


# -- writes ------------------------------------------------------------------------------------


def create_question(request, course, data: dict[str, Any]) -> Question:
    """A new active question from API-shaped ``data`` (``type``, ``title``, ``spec``
    required; ``prompt``, ``points``, ``tags``, ``difficulty``, ``media_asset_id``
    optional). 422 with the field's path when something is refused."""
    question_type = data["type"]
    spec = _spec(question_type, data.get("spec"))
    asset_id = data.get("media_asset_id")
    if asset_id is not None:
        _check_media(request, course, asset_id, None)
    now = utcnow()
    question = Question(
        id=uuid.uuid4(),
        course_id=course.id,
        type=question_type,
        title=" ".join(data["title"].split()),
        prompt=sanitize_prompt(data.get("prompt", "")),
        spec=spec,
        points=round_points(Decimal(data.get("points", Decimal("1")))),
        tags=normalise_tags(data.get("tags", [])),
        difficulty=data.get("difficulty", "medium"),
        media_asset_id=asset_id,
        version=1,
        status="active",
        created_by=request.identity.id if request.identity is not None else None,
        created_at=now,
        updated_at=now,
    )
    request.db.add(question)
    request.db.flush()
    _attach_media(request, question, None)
    return question


def update_question(request, course, question: Question, changes: dict[str, Any]) -> list[str]:
    """Apply ``changes`` (any of the create fields and ``status``); return the names
    of the versioned fields that changed. A new type needs a spec of that type."""
    old_asset = question.media_asset_id
    new_type = changes.get("type", question.type)
    values: dict[str, Any] = {}
    if "type" in changes and new_type != question.type and "spec" not in changes:
        raise invalid(["spec"], "a new type needs its spec", "spec")
    if "spec" in changes or "type" in changes:
        values["spec"] = _spec(new_type, changes.get("spec", question.spec))
        values["type"] = new_type
    if "prompt" in changes:
        values["prompt"] = sanitize_prompt(changes["prompt"])
    if "points" in changes:
        values["points"] = round_points(Decimal(changes["points"]))
    if "title" in changes:
        values["title"] = " ".join(changes["title"].split())
    if "tags" in changes:
        values["tags"] = normalise_tags(changes["tags"])
    for name in ("difficulty", "status"):
        if name in changes:
            values[name] = changes[name]
    if "media_asset_id" in changes:
        asset_id = changes["media_asset_id"]
        if asset_id is not None and asset_id != old_asset:
            _check_media(request, course, asset_id, old_asset)
        values["media_asset_id"] = asset_id
    changed = [
        name
        for name in VERSIONED
        if name in values and _comparable(values[name]) != _comparable(getattr(question, name))
    ]
    for name, value in values.items():
        setattr(question, name, value)
    if changed:
        question.version = (question.version or 1) + 1
    question.updated_at = utcnow()
    request.db.flush()
    _attach_media(request, question, old_asset)
    if changed:
        request.emit(
            QUESTION_UPDATED,
            resource_type="question",
            resource_id=question.id,
            payload={
                "course_id": str(course.id),
                "version": question.version,
                "changed": changed,
            },
        )
    return changed


def _comparable(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, Decimal):
        return round_points(value)
    return value


def archive_question(request, question: Question) -> None:
    """Archived questions stay in the bank (and in the attempts that used them) but
    are never drawn nor added to a quiz again. Idempotent."""
    if question.status != "archived":
        question.status = "archived"
        question.updated_at = utcnow()
        request.db.flush()


# -- lists and draws ------------------------------------------------------------------------------


def _like(value: str) -> str:
    return value.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def list_statement(
    course_id: uuid.UUID,
    *,
    tag: str | None = None,
    difficulty: str | None = None,
    question_type: str | None = None,
    status: str | None = "active",
    text: str | None = None,
) -> sa.Select:
    """The questions of a course matching the filters (``status=None``: all)."""
    stmt = sa.select(Question).where(Question.course_id == course_id)
    if status:
        stmt = stmt.where(Question.status == status)
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if question_type:
        stmt = stmt.where(Question.type == question_type)
    if tag:
        # tags are stored as a JSON list written by json.dumps: the tag's own JSON
        # string, quotes included, appears in it exactly when the list holds it
        needle = json.dumps(normalise_tags([tag])[0] if normalise_tags([tag]) else tag)
        stmt = stmt.where(sa.cast(Question.tags, sa.Text).like(f"%{_like(needle)}%", escape="!"))
    if text:
        pattern = f"%{_like(text.strip())}%"
        stmt = stmt.where(
            sa.or_(
                Question.title.ilike(pattern, escape="!"),
                Question.prompt.ilike(pattern, escape="!"),
            )
        )
    return stmt


def _pool(db, course_id: uuid.UUID, tags: Sequence[str], difficulty: str | None) -> list[uuid.UUID]:
    """Ids of the active questions having every tag (and the difficulty), oldest first."""
    wanted = set(normalise_tags(tags))
    stmt = sa.select(Question.id, Question.tags).where(
        Question.course_id == course_id, Question.status == "active"
    )
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    rows = db.execute(stmt.order_by(Question.created_at, Question.id)).all()
    return [qid for qid, tags_of in rows if wanted <= set(tags_of or [])]


def draw_pool_size(
    db, course_id: uuid.UUID, *, tags: Sequence[str] = (), difficulty: str | None = None
) -> int:
    """How many active questions have every tag in ``tags`` (and ``difficulty``)."""
    if difficulty is not None and difficulty not in DIFFICULTIES:
        return 0
    return len(_pool(db, course_id, tags, difficulty))


def draw(
    db,
    course_id: uuid.UUID,
    rules: Sequence[dict[str, Any]] | None = None,
    *,
    tags: Sequence[str] = (),
    difficulty: str | None = None,
    count: int = 0,
    rng: random.Random,
    exclude: Iterable[uuid.UUID] = (),
) -> list[Question]:
    """``count`` distinct active questions having every tag in ``tags`` (and
    ``difficulty`` when given), none of ``exclude``, chosen with ``rng``.

    With ``rules`` (a list of ``{"tags", "difficulty", "count"}``, a quiz's draw
    rules), each rule draws in turn and never repeats a question an earlier rule
    took. Raises :class:`NotEnoughQuestions` when the bank holds too few."""
    if rules is not None:
        chosen: list[Question] = []
        taken = set(exclude)
        for rule in rules:
            part = draw(
                db,
                course_id,
                tags=rule.get("tags") or (),
                difficulty=rule.get("difficulty"),
                count=int(rule["count"]),
                rng=rng,
                exclude=taken,
            )
            taken.update(q.id for q in part)
            chosen.extend(part)
        return chosen
    excluded = set(exclude)
    pool = [qid for qid in _pool(db, course_id, tags, difficulty) if qid not in excluded]
    if len(pool) < count:
        raise NotEnoughQuestions(count, len(pool), tags, difficulty)
    picked = rng.sample(pool, count)
    found = get_questions(db, course_id, picked)
    return [found[qid] for qid in picked]
