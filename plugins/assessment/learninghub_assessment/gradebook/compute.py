"""The gradebook's arithmetic for one learner: pure, no database.

*total* = Σ wᵢ·pᵢ / Σ wᵢ over items of weight > 0, an item without a grade counting 0;
*current* = the same over graded items only (``scoring.weighted_total``). An override
replaces exactly one cell (an item's percent, then its *passed*), or the total — a
total override is the learner's course grade, so it stands for both total and current.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .. import scoring
from .sources import GradedItem, ItemGrade

TOTAL = "total"


@dataclass(frozen=True)
class Cell:
    percent: Decimal | None  # None: nothing graded (not submitted, or waiting)
    passed: bool | None
    graded_at: datetime | None
    submitted: bool  # the source has something (maybe waiting for a grader)
    overridden: bool
    computed: Decimal | None  # the source's percent, before any override


@dataclass(frozen=True)
class Row:
    user_id: uuid.UUID
    cells: dict[str, Cell]
    total: Decimal | None  # None: the course has nothing weighted
    current: Decimal | None  # None: nothing weighted is graded yet
    total_overridden: bool
    computed_total: Decimal | None


def passed_at(passing_percent: Decimal | None, percent: Decimal | None) -> bool | None:
    if percent is None:
        return None
    return passing_percent is None or percent >= passing_percent


def build_row(
    user_id: uuid.UUID,
    items: Sequence[GradedItem],
    grades: Mapping[str, ItemGrade],
    overrides: Mapping[str, Decimal],
) -> Row:
    """One learner's row: ``grades`` and ``overrides`` are keyed by item key
    (``overrides`` may hold ``"total"``); overrides of unknown items are ignored."""
    cells: dict[str, Cell] = {}
    for item in items:
        grade = grades.get(item.key)
        computed = grade.percent if grade is not None else None
        if item.key in overrides:
            percent = overrides[item.key]
            cells[item.key] = Cell(
                percent=percent,
                passed=passed_at(item.passing_percent, percent),
                graded_at=grade.graded_at if grade is not None else None,
                submitted=grade is not None,
                overridden=True,
                computed=computed,
            )
        else:
            cells[item.key] = Cell(
                percent=computed,
                passed=grade.passed if grade is not None else None,
                graded_at=grade.graded_at if grade is not None else None,
                submitted=grade is not None,
                overridden=False,
                computed=computed,
            )
    pairs = [(item.weight, cells[item.key].percent) for item in items]
    total = scoring.weighted_total(pairs, missing_as_zero=True)
    current = scoring.weighted_total(pairs, missing_as_zero=False)
    if TOTAL in overrides:
        return Row(user_id, cells, overrides[TOTAL], overrides[TOTAL], True, total)
    return Row(user_id, cells, total, current, False, total)
