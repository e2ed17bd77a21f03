"""What the demo catalog contains: categories and the shape of a course.

The courses themselves are in :mod:`.courses_en` and :mod:`.courses_es` (prose
written for the demo: real, short lessons, in Markdown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: (slug, name, position)
CATEGORIES: list[tuple[str, str, int]] = [
    ("programming", "Programming", 0),
    ("data", "Data & Statistics", 1),
    ("design", "Design & Photography", 2),
    ("music", "Music", 3),
    ("business", "Business & Finance", 4),
    ("science", "Science", 5),
    ("humanities", "Humanities", 6),
]


@dataclass(frozen=True)
class DemoLesson:
    title: str
    body: str  # Markdown
    type: str = "text"  # text, video or audio (the generated clip)
    free_preview: bool = False
    minutes: int = 5


@dataclass(frozen=True)
class DemoSection:
    title: str
    lessons: tuple[DemoLesson, ...]


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    title: str
    subtitle: str
    description: str  # HTML (sanitized by the courses plugin)
    category: str  # a slug of CATEGORIES
    tags: tuple[str, ...]
    level: str
    language: str
    price_minor: int
    currency: str
    sections: tuple[DemoSection, ...]
    #: (learner key, rating, text) — learner keys of seed.LEARNERS
    reviews: tuple[tuple[str, int, str], ...] = field(default=())
    #: how many lessons learner@ completed when enrolled (None: not enrolled)
    learner_progress: int | None = None


def all_courses() -> list[DemoCourse]:
    from .courses_en import COURSES_EN
    from .courses_es import COURSES_ES

    return [*COURSES_EN, *COURSES_ES]
