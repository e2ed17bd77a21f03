"""Fixtures of the gradebook tests: the assignments tests' ``make_assignment`` and
``classroom`` (loaded from that folder's conftest, not copied)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parent.parent / "assignments" / "conftest.py"
_spec = importlib.util.spec_from_file_location("assessment_assignment_fixtures", _path)
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

make_assignment = _fixtures.make_assignment
classroom = _fixtures.classroom
