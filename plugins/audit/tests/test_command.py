"""``learninghub audit verify`` (and ``python -m learninghub_audit verify``) run as an
operator would, against a real SQLite file: an intact trail passes (exit 0); editing
or deleting a row with the sqlite3 tool is reported at the first broken seq (exit 1)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

pytestmark = pytest.mark.slow

EVENTS = """
for i in range(4):
    request.emit("accounts.user.suspended", resource_type="user", resource_id=f"u{i}")

"""


def write_ini(tmp_path) -> str:
    ini = tmp_path / "audit.ini"
    ini.write_text(
        textwrap.dedent(f"""
        [app:main]
        use = egg:learninghub
        environment = test
        secret.key = audit-cli-secret-0123456789abcdef0123456789
        db.url = sqlite:///{tmp_path}/audit.sqlite
        storage.path = {tmp_path}/files
        search.path = {tmp_path}/search
        mail.path = {tmp_path}/mail
        tenancy.base_domain = learninghub.test
        plugins.autoload = false
        plugins.load = audit
        log.level = warning
        """)
    )
    return str(ini)


def run(module: str, ini: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    environ = dict(os.environ)
    for key in ("LEARNINGHUB_TEST_DATABASE_URL", "LEARNINGHUB_TEST_REDIS_URL"):
        environ.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", module, "--config", ini, *args],
        capture_output=True,
        text=True,
        env=environ,
        input=stdin,
        cwd=ROOT,
        timeout=120,
    )


def test_verify_command_detects_an_edited_and_a_deleted_row(tmp_path):
    ini = write_ini(tmp_path)
    assert run("learninghub.cli", ini, "db", "upgrade").returncode == 0
    made = run("learninghub.cli", ini, "tenant", "add", "acme", "--plugins", "audit")
    assert made.returncode == 0, made.stderr
    # four events recorded in one transaction, sealed by the task after commit
    shell = run("learninghub.cli", ini, "shell", "--tenant", "acme", stdin=EVENTS)
    assert shell.returncode == 0, shell.stderr

    ok = run("learninghub.cli", ini, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("acme: OK: 4 rows (seq 1-4), last hash ")

    db = sqlite3.connect(tmp_path / "audit.sqlite")
    with db:
        db.execute("UPDATE audit_events SET resource_id = 'someone-else' WHERE seq = 3")
    edited = run("learninghub.cli", ini, "audit", "verify", "--tenant", "acme")
    assert edited.returncode == 1
    assert "acme: BROKEN at seq 3: the row was changed after it was sealed" in edited.stdout
    assert "Traceback" not in edited.stderr

    with db:
        db.execute("DELETE FROM audit_events WHERE seq = 2")
    deleted = run("learninghub_audit", ini, "verify", "--json")
    assert deleted.returncode == 1  # the first broken link is now the missing row 2
    assert '"seq": 2' in deleted.stdout and "missing" in deleted.stdout
    db.close()
