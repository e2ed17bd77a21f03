"""Bulk data for the catalog benchmark (run by ``catalog_bench.py`` in a child process
with the throw-away instance's ``LEARNINGHUB_*`` environment).

Volume is written with **SQLAlchemy Core bulk inserts** (``executemany`` in one
transaction), not through the plugins' services: 2,000 courses, 20,000 lessons and
50,000 enrolments through the services would take many minutes (events, search
reindexing, per-row checks) and measure the seeding, not the pages. The rows follow
the tables of docs/design/catalog-contracts.md (published courses with instructor
role grants, two sections of published lessons with a published version each,
enrolments with ``enrolment_count`` on the course kept consistent, ratings on the
courses), in tenant ``demo`` made by ``learninghub demo``. The search index is not
filled (the measured pages list without ``q``); ``--reindex`` in the driver runs
``learninghub courses reindex`` when wanted.

The signed-in visitor is ``learner@demo.example`` (enrolled in ``--learner-courses``
courses, the measured one first, with some lessons completed); its page-session
cookie is made with the kernel's session helper (``benchkit.page_session_cookie``),
as the sign-in form would.

Prints one JSON object: the counts, the slugs of the measured course and lesson,
the session cookie and the seconds taken.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

TENANT = "demo"
LEARNER = "learner@demo.example"
CATEGORIES = [
    ("programming", "Programming", None),
    ("python", "Python", "programming"),
    ("web", "Web development", "programming"),
    ("data", "Data & Statistics", None),
    ("design", "Design", None),
    ("business", "Business", None),
    ("languages", "Languages", None),
    ("music", "Music", None),
    ("science", "Science", None),
]
WORDS = (
    "introduction practical applied modern essential advanced complete guide python data "
    "design music history finance science statistics writing photography marketing "
    "leadership spanish algebra biology chemistry physics web cloud security testing"
).split()
LEVELS = ("beginner", "intermediate", "advanced", "all")
PARAGRAPH = (
    "<p>This lesson walks through the idea step by step, with a worked example and a short "
    "exercise at the end. Read it once quickly, then a second time with a pen: write down "
    "the two or three points you would explain to a friend, and try the exercise before "
    "looking at the solution.</p>"
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--courses", type=int, default=2000)
    ap.add_argument("--lessons", type=int, default=20000, help="in total (spread evenly)")
    ap.add_argument("--enrolments", type=int, default=50000, help="in total")
    ap.add_argument("--learners", type=int, default=1000, help="bench learners to create")
    ap.add_argument("--instructors", type=int, default=50)
    ap.add_argument("--learner-courses", type=int, default=25)
    ap.add_argument("--seed", type=int, default=5)
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    t0 = time.monotonic()
    from benchkit import page_session_cookie

    from learninghub.cli import configure_or_exit
    from learninghub.db import utcnow
    from learninghub.identity import RoleGrant, User
    from learninghub.tenancy import Tenant
    from learninghub_content.models import CourseSection, Lesson, LessonVersion
    from learninghub_courses.models import Course, CourseCategory
    from learninghub_enrollment.models import Enrollment, LessonProgress

    config = configure_or_exit(os.environ["LEARNINGHUB_CONFIG"])
    registry = config.registry
    engine = registry["db.engine"]
    rng = random.Random(args.seed)
    now = utcnow()

    with engine.connect() as conn:
        tenant_id = conn.scalar(sa.select(Tenant.id).where(Tenant.slug == TENANT))
        learner_id = conn.scalar(
            sa.select(User.id).where(User.tenant_id == tenant_id, User.email == LEARNER)
        )
        # the demo data may already hold some of these categories: reuse them
        existing = dict(
            conn.execute(
                sa.select(CourseCategory.slug, CourseCategory.id).where(
                    CourseCategory.tenant_id == tenant_id
                )
            ).all()
        )
    if tenant_id is None or learner_id is None:
        print(f"tenant {TENANT!r} or {LEARNER} missing: run `learninghub demo`", file=sys.stderr)
        return 2

    def rows_users(prefix: str, n: int, name: str) -> list[dict]:
        return [
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "email": f"{prefix}{i:05d}@bench.example",
                "display_name": f"{name} {i}",
                "password_hash": "",  # cannot sign in
                "created_at": now,
            }
            for i in range(n)
        ]

    instructors = rows_users("bench-instructor-", args.instructors, "Instructor")
    learners = rows_users("bench-learner-", args.learners, "Learner")

    category_ids = {slug: existing.get(slug) or uuid.uuid4() for slug, _, _ in CATEGORIES}
    categories = [
        {
            "id": category_ids[slug],
            "tenant_id": tenant_id,
            "name": name,
            "slug": slug,
            "parent_id": category_ids[parent] if parent else None,
            "position": i,
        }
        for i, (slug, name, parent) in enumerate(CATEGORIES)
        if slug not in existing
    ]

    courses, grants, sections, lessons, versions = [], [], [], [], []
    per_course = max(1, args.lessons // args.courses)
    for i in range(args.courses):
        cid = uuid.uuid4()
        teacher = instructors[i % len(instructors)]
        words = rng.sample(WORDS, 3)
        published = now - timedelta(minutes=args.courses - i)
        price = 0 if rng.random() < 0.4 else rng.choice((900, 1900, 2900, 4900))
        courses.append(
            {
                "id": cid,
                "tenant_id": tenant_id,
                "slug": f"bench-course-{i:04d}",
                "title": f"{' '.join(words).title()} {i}",
                "subtitle": f"A benchmark course about {words[0]} and {words[1]}",
                "description": "<p>" + " ".join(rng.choices(WORDS, k=60)) + "</p>",
                "category_id": category_ids[CATEGORIES[i % len(CATEGORIES)][0]],
                "tags": rng.sample(WORDS, 3),
                "level": LEVELS[i % len(LEVELS)],
                "language": "es" if i % 5 == 0 else "en",
                "price_minor": price,
                "currency": "EUR",
                "status": "published",
                "created_by": teacher["id"],
                "created_at": published,
                "updated_at": published,
                "published_at": published,
                "enrolment_count": 0,
                "rating_average": round(rng.uniform(3.0, 5.0), 2),
                "rating_count": rng.randint(0, 200),
            }
        )
        grants.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "user_id": teacher["id"],
                "role": "instructor",
                "resource_type": "course",
                "resource_id": str(cid),
                "created_at": now,
            }
        )
        section_ids = [uuid.uuid4(), uuid.uuid4()]
        for s, sid in enumerate(section_ids):
            sections.append(
                {
                    "id": sid,
                    "tenant_id": tenant_id,
                    "course_id": cid,
                    "title": f"Part {s + 1}",
                    "position": s,
                }
            )
        for n in range(per_course):
            lid, vid = uuid.uuid4(), uuid.uuid4()
            lessons.append(
                {
                    "id": lid,
                    "tenant_id": tenant_id,
                    "course_id": cid,
                    "section_id": section_ids[n * 2 // per_course],
                    "title": f"Lesson {n + 1}: {rng.choice(WORDS)} in practice",
                    "slug": f"lesson-{n + 1}",
                    "type": "text",
                    "position": n,
                    "is_free_preview": n == 0,
                    "status": "published",
                    "published_version_id": vid,
                    "duration_s": 300,
                    "updated_at": now,
                }
            )
            versions.append(
                {
                    "id": vid,
                    "tenant_id": tenant_id,
                    "lesson_id": lid,
                    "number": 1,
                    "body": PARAGRAPH * 4,
                    "media_asset_id": None,
                    "embed_url": "",
                    "data": {},
                    "created_by": teacher["id"],
                    "created_at": now,
                }
            )

    # enrolments: the demo learner in the first --learner-courses courses, the bench
    # learners in distinct random courses each, until --enrolments rows
    enrolments, progress = [], []
    counts = [0] * args.courses
    learner_courses = list(range(min(args.learner_courses, args.courses)))
    pairs = [(learner_id, c) for c in learner_courses]
    remaining = max(0, args.enrolments - len(pairs))
    per_learner = -(-remaining // max(1, len(learners)))
    for learner in learners:
        take = min(per_learner, remaining, args.courses)
        pairs.extend((learner["id"], c) for c in rng.sample(range(args.courses), take))
        remaining -= take
    lessons_of = {}
    for lesson in lessons:
        lessons_of.setdefault(lesson["course_id"], []).append(lesson["id"])
    for user_id, c in pairs:
        counts[c] += 1
        eid = uuid.uuid4()
        cid = courses[c]["id"]
        done = rng.randint(0, per_course) if user_id != learner_id else min(3, per_course)
        enrolments.append(
            {
                "id": eid,
                "tenant_id": tenant_id,
                "course_id": cid,
                "user_id": user_id,
                "status": "active",
                "source": "free",
                "enrolled_at": now,
                "progress_percent": done * 100 // per_course,
                "last_lesson_id": lessons_of[cid][done - 1] if done else None,
            }
        )
        if user_id == learner_id:  # progress rows only for the visitor (what the pages read)
            for lid in lessons_of[cid][:done]:
                progress.append(
                    {
                        "tenant_id": tenant_id,
                        "enrollment_id": eid,
                        "lesson_id": lid,
                        "completed_at": now,
                        "position_s": 0,
                        "updated_at": now,
                    }
                )
    for course, count in zip(courses, counts, strict=True):
        course["enrolment_count"] = count

    t_built = time.monotonic()
    with engine.begin() as conn:
        for table, rows in (
            (User.__table__, instructors + learners),
            (CourseCategory.__table__, categories),
            (Course.__table__, courses),
            (RoleGrant.__table__, grants),
            (CourseSection.__table__, sections),
            (Lesson.__table__, lessons),
            (LessonVersion.__table__, versions),
            (Enrollment.__table__, enrolments),
            (LessonProgress.__table__, progress),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(table), rows[start : start + 5000])
    t_inserted = time.monotonic()

    # the visitor's page session, as the sign-in form would open it
    registry["tenancy.resolver"].invalidate()
    cookie = page_session_cookie(registry, LEARNER, TENANT, lifetime=24 * 3600)

    course = courses[0]
    print(
        json.dumps(
            {
                "tenant": TENANT,
                "courses": len(courses),
                "lessons": len(lessons),
                "enrolments": len(enrolments),
                "users": len(instructors) + len(learners),
                "course_slug": course["slug"],
                "course_title": course["title"],
                "lesson_slug": lessons[per_course - 1]["slug"],
                "lesson_title": lessons[per_course - 1]["title"],
                "cookie": cookie,
                "seconds": {
                    "build": round(t_built - t0, 2),
                    "insert": round(t_inserted - t_built, 2),
                    "total": round(time.monotonic() - t0, 2),
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
