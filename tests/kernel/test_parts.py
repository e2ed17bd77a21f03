"""learninghub.parts.PluginParts: a plugin's hook answers gathered from its parts."""

from __future__ import annotations

import sys
import uuid

import pytest

from learninghub.parts import PluginParts


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package with parts ``broken`` (raises), ``good`` (answers) and ``bare`` (no
    hooks module)."""
    name = f"lhparts_{uuid.uuid4().hex[:8]}"
    root = tmp_path / name
    for part, body in (
        ("broken", "def nav_items(request):\n    raise RuntimeError('broken part')\n"),
        (
            "good",
            "def nav_items(request):\n    return [request]\n"
            "def pick(request):\n    return 'good'\n",
        ),
        ("bare", None),
    ):
        (root / part).mkdir(parents=True)
        (root / part / "__init__.py").write_text("")
        if body is not None:
            (root / part / "hooks.py").write_text(body)
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def test_gather_and_first_skip_a_broken_part_call_each_lets_it_through(package, caplog):
    parts = PluginParts(package, ("broken", "good", "bare"))
    assert list(parts) == ["broken", "good", "bare"]
    assert parts.gather("nav_items", request="r") == ["r"]  # the broken part is skipped
    assert "broken part" in caplog.text
    assert parts.first("pick", request="r") == "good"
    assert parts.first("unknown", request="r") is None
    with pytest.raises(RuntimeError, match="broken part"):
        parts.call_each("nav_items", request="r")
