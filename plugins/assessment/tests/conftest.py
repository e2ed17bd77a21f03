"""Fixtures shared by every part of the assessment tests (each part's folder may add
its own conftest.py). The kernel's pytest plugin brings the rest, with ``run_task`` and
``dispatched``; the enrollment plugin's (``learninghub_enrollment.testing``) the
catalog set-up rows: ``make_course`` (``lesson_types`` for quiz lessons),
``course_row``, ``enrollment_row``, ``enrol_directly``.
"""

from __future__ import annotations

import pytest

PLUGIN = "assessment"


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)
