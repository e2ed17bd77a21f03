"""The learninghub command, run as a person would: clear messages, no tracebacks,
and the plugin scaffold working end to end over real HTTP.

Start-up errors are checked on ``python -m learninghub.cli`` in a child process, and
the scaffold's end-to-end test serves through the installed ``learninghub`` console
script. The commands' own behaviour is checked in this process with click's CliRunner
(:func:`in_process_cli`): no interpreter start and imports, about a second a command."""

import json
import logging
import os
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import structlog
from click.testing import CliRunner, Result

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def write_ini(tmp_path, extra: str = "") -> str:
    ini = tmp_path / "cli.ini"
    ini.write_text(
        textwrap.dedent(f"""
        [app:main]
        use = egg:learninghub
        environment = test
        secret.key = cli-test-secret-0123456789abcdef0123456789
        db.url = sqlite:///{tmp_path}/cli.sqlite
        storage.path = {tmp_path}/files
        search.path = {tmp_path}/search
        mail.path = {tmp_path}/mail
        tenancy.base_domain = learninghub.test
        log.level = warning
    """)
        + extra
    )
    return str(ini)


def child_environ(extra: dict[str, str] | None = None) -> dict[str, str]:
    environ = dict(os.environ, **(extra or {}))
    for key in ("LEARNINGHUB_TEST_DATABASE_URL", "LEARNINGHUB_TEST_REDIS_URL"):
        environ.pop(key, None)
    return environ


def run(ini, *args, env=None, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "learninghub.cli", "--config", ini, *args],
        capture_output=True,
        text=True,
        env=child_environ(env),
        input=stdin,
        cwd=ROOT,
        timeout=120,
    )


def cli_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click 8.1; from 8.2 stderr is always apart
    except TypeError:
        return CliRunner()


@contextmanager
def in_process_cli(ini: str) -> Iterator:
    """``lh(*args, stdin="")``: ``learninghub --config INI *args`` run in this process.

    Each call builds the app from the ini file as the command does in a process of its
    own (settings, plugins, a fresh engine, disposed when the command ends). Building
    it points the root logger and structlog at the ini's logging (on the stderr of the
    moment, a CliRunner buffer): the test session's set-up is put back on leaving."""
    root = logging.getLogger()
    waitress = logging.getLogger("waitress")
    saved = (list(root.handlers), root.level, waitress.level, structlog.get_config())

    from learninghub.cli import cli

    def lh(*args: str, stdin: str = "") -> Result:
        return cli_runner().invoke(cli, ["--config", ini, *args], input=stdin)

    try:
        yield lh
    finally:
        handlers, level, waitress_level, structlog_config = saved
        root.handlers[:] = handlers
        root.setLevel(level)
        waitress.setLevel(waitress_level)
        structlog.configure(**structlog_config)


def traceback_of(r: Result) -> str:
    """The traceback a process would have printed ("" when it ended by exit code)."""
    if r.exc_info is None or issubclass(r.exc_info[0], SystemExit):
        return ""
    return "".join(traceback.format_exception(*r.exc_info))


def succeeded(r: Result) -> bool:
    return r.exit_code == 0 and not traceback_of(r)


def failed_with(r: Result, code: int, message: str) -> bool:
    """Ended with ``code`` and ``message`` on stderr, no traceback."""
    return r.exit_code == code and message in r.stderr and not traceback_of(r)


def test_bad_setting_is_one_clear_line(tmp_path):
    ini = write_ini(tmp_path, "db.urll = sqlite://\n")
    r = run(ini, "db", "upgrade")
    assert r.returncode == 2
    assert "configuration error in 'db.urll': unknown setting" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_environment_value_names_the_key(tmp_path):
    r = run(write_ini(tmp_path), "tenant", "list", env={"LEARNINGHUB_DB_POOL_SIZE": "many"})
    assert r.returncode == 2
    assert "'db.pool_size'" in r.stderr and "Traceback" not in r.stderr


def test_missing_config_file(tmp_path):
    r = run(str(tmp_path / "nope.ini"), "tenant", "list")
    assert r.returncode == 2 and "file not found" in r.stderr
    assert "Traceback" not in r.stderr


def test_tenants_users_and_unknown_plugin(tmp_path):
    ini = write_ini(tmp_path)
    with in_process_cli(ini) as lh:
        r = lh("db", "upgrade")
        assert succeeded(r), r.output + traceback_of(r)
        r = lh("tenant", "add", "acme", "--name", "Acme")
        assert succeeded(r), r.output + traceback_of(r)
        assert "tenant acme created" in r.stdout
        assert failed_with(lh("tenant", "add", "acme"), 1, "tenant 'acme' exists")
        assert failed_with(lh("tenant", "add", "Bad Slug"), 1, "invalid slug 'Bad Slug'")
        r = lh(
            "user",
            "add",
            "boss@acme.example",
            "--tenant",
            "acme",
            "--role",
            "admin",
            stdin="a-long-password\n",
        )
        assert succeeded(r), r.output + traceback_of(r)
        assert "user boss@acme.example created in acme with roles admin" in r.stdout
        r = lh("user", "add", "x@acme.example", "--tenant", "acme", stdin="short\n")
        assert failed_with(r, 1, "at least 8 characters"), r.output + traceback_of(r)
        r = lh("plugin", "enable", "nosuchplugin", "--tenant", "acme")
        assert failed_with(r, 2, "unknown plugin 'nosuchplugin'"), r.output + traceback_of(r)
        r = lh("plugin", "enable", "announcements", "--tenant", "nosuchtenant")
        assert failed_with(r, 1, "unknown tenant"), r.output + traceback_of(r)
        r = lh("tenant", "set-domain", "acme", "learn.acme.example")
        assert succeeded(r), r.output + traceback_of(r)
        r = lh("tenant", "list")
        assert succeeded(r), r.output + traceback_of(r)
        assert "acme" in r.stdout and "learn.acme.example" in r.stdout
        r = lh("tenant", "set-domain", "acme", "other.learninghub.test")
        assert failed_with(r, 1, "base domain"), r.output + traceback_of(r)


def test_dependency_cycle_is_a_clear_message(tmp_path):
    site = tmp_path / "site"
    for name, other in (("cyca", "cycb"), ("cycb", "cyca")):
        pkg = site / f"lhcycle_{name}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(
            "from learninghub.manifest import PluginManifest\n"
            f"manifest = PluginManifest(name={name!r}, version='1.0', title={name!r}, "
            f"requires=({other!r},))\n"
        )
        dist = site / f"lhcycle_{name}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: lhcycle-{name}\nVersion: 1.0\n"
        )
        (dist / "entry_points.txt").write_text(f"[learninghub.plugins]\n{name} = lhcycle_{name}\n")
    r = run(write_ini(tmp_path), "plugin", "list", env={"PYTHONPATH": str(site)})
    assert r.returncode == 2
    assert "plugin dependency cycle: cyca -> cycb -> cyca" in r.stderr
    assert "Traceback" not in r.stderr


# The commands that need a freshly pip-installed plugin run in one child interpreter
# (CliRunner there): importing the plugin here would leave its models on the metadata
# every later test shares. Prints one JSON line per command: its exit code, output,
# traceback if any, and the tables of the SQLite file after it; stops at a failure.
RUN_COMMANDS = """
import json, sqlite3, sys, traceback
from contextlib import closing
from click.testing import CliRunner
from learninghub.cli import cli

ini, database, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for args in commands:
    r = CliRunner().invoke(cli, ["--config", ini, *args])
    crashed = r.exc_info is not None and not issubclass(r.exc_info[0], SystemExit)
    with closing(sqlite3.connect(database)) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    print(json.dumps({
        "args": args, "exit_code": r.exit_code, "output": r.output, "tables": tables,
        "traceback": "".join(traceback.format_exception(*r.exc_info)) if crashed else "",
    }), flush=True)
    if r.exit_code or crashed:
        break
"""


def run_commands(ini: str, database, commands, env) -> list[dict]:
    child = subprocess.run(
        [sys.executable, "-c", RUN_COMMANDS, ini, str(database), json.dumps(commands)],
        capture_output=True,
        text=True,
        env=child_environ(env),
        cwd=ROOT,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr
    results = [json.loads(line) for line in child.stdout.splitlines()]
    for result in results:
        assert result["exit_code"] == 0 and not result["traceback"], result
    assert len(results) == len(commands), (results, child.stderr)
    return results


def console_script() -> str:
    """The installed ``learninghub`` script (setup.cfg's console_scripts entry point)."""
    path = os.path.join(sysconfig.get_path("scripts"), "learninghub")
    assert os.access(path, os.X_OK), f"no learninghub console script at {path}"
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, host: str, path: str):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_plugin_new_install_enable_serves_only_for_that_tenant(tmp_path):
    ini = write_ini(tmp_path)
    dest = tmp_path / "plugins"
    with in_process_cli(ini) as lh:
        r = lh("plugin", "new", "demoplug", "--dest", str(dest))
    assert succeeded(r), r.output + traceback_of(r)
    # a plugin author adds a model and lets the CLI write the first migration
    pkg = dest / "demoplug" / "learninghub_demoplug"
    (pkg / "models.py").write_text(
        textwrap.dedent("""
        import uuid

        import sqlalchemy as sa
        from sqlalchemy.orm import Mapped, mapped_column

        from learninghub.db import Base, TenantScoped, new_id


        class Greeting(TenantScoped, Base):
            __tablename__ = "demoplug_greetings"
            id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
            text: Mapped[str] = mapped_column(sa.String(100))
    """)
    )
    init = (pkg / "__init__.py").read_text()
    assert '    title="Demoplug",' in init
    init = init.replace(
        '    title="Demoplug",',
        '    title="Demoplug",\n    migrations="learninghub_demoplug:migrations/versions",',
    )
    (pkg / "__init__.py").write_text(init + "\nfrom . import models  # noqa: E402,F401\n")
    (pkg / "migrations" / "versions").mkdir(parents=True)
    site = tmp_path / "site"
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(dest / "demoplug"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pip.returncode == 0, pip.stderr
    env = {"PYTHONPATH": str(site)}
    commands = [
        ["db", "upgrade"],
        ["db", "revision", "--branch", "demoplug", "-m", "demoplug: greetings"],
        ["db", "upgrade"],
        ["tenant", "add", "demo"],
        ["tenant", "add", "other"],
        ["plugin", "enable", "demoplug", "--tenant", "demo"],
        ["plugin", "list", "--tenant", "demo"],
        ["db", "downgrade", "demoplug@base"],
        ["db", "upgrade"],
    ]
    results = run_commands(ini, tmp_path / "cli.sqlite", commands, env)
    listing, downgraded, upgraded_again = results[-3:]
    assert any(
        line.startswith("demoplug\t") and line.endswith("\tenabled (v0.1.0)")
        for line in listing["output"].splitlines()
    ), listing["output"]
    assert "demoplug_greetings" in listing["tables"]
    assert "demoplug_greetings" not in downgraded["tables"] and "users" in downgraded["tables"]
    assert "demoplug_greetings" in upgraded_again["tables"]
    port = free_port()
    environ = child_environ(env)
    server = subprocess.Popen(
        [console_script(), "--config", ini, "serve", "--port", str(port)],
        env=environ,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http_get(port, "x", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = http_get(port, "demo.learninghub.test", "/api/v1/demoplug/hello")
        assert status == 200, body
        assert '"tenant":"demo"' in body.replace(" ", "")
        status, body = http_get(port, "other.learninghub.test", "/api/v1/demoplug/hello")
        assert status == 404
        assert "demo" not in body.split('"instance"')[0]
        # the generated plugin's own tests pass
        tests = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(dest / "demoplug" / "tests"),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=dict(environ),
            timeout=300,
        )
        assert tests.returncode == 0, tests.stdout[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_web_entry_point_with_bad_config_says_why(tmp_path):
    ini = write_ini(tmp_path, "tasks.backend = celery\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNINGHUB_TEST_")}
    env["LEARNINGHUB_CONFIG"] = ini
    r = subprocess.run(
        [sys.executable, "-c", "import entrypoints.web"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 2
    assert "configuration error in 'celery.broker_url'" in r.stderr
    assert "Traceback" not in r.stderr


def test_plugin_cli_commands_are_added_and_clashes_skipped(monkeypatch, capsys):
    import importlib.metadata as md

    import click

    from learninghub import cli as cli_module

    @click.command()
    def hello():
        click.echo("hello from a plugin")

    module = type(sys)("lhfake_cli_commands")
    module.hello = hello
    module.broken = "not a command"
    monkeypatch.setitem(sys.modules, "lhfake_cli_commands", module)
    eps = [
        md.EntryPoint("hello", "lhfake_cli_commands:hello", "learninghub.cli"),
        md.EntryPoint("db", "lhfake_cli_commands:hello", "learninghub.cli"),  # kernel name
        md.EntryPoint("broken", "lhfake_cli_commands:broken", "learninghub.cli"),
        md.EntryPoint("missing", "lhfake_nowhere:cmd", "learninghub.cli"),
    ]
    monkeypatch.setattr(
        md, "entry_points", lambda group=None: eps if group == "learninghub.cli" else []
    )
    group = click.Group(commands=dict(cli_module.cli.commands))
    assert cli_module.load_plugin_commands(group) == ["hello"]
    err = capsys.readouterr().err
    assert "'db' clashes" in err and "not a click command" in err and "'missing' not loaded" in err
    from click.testing import CliRunner

    assert CliRunner().invoke(group, ["hello"]).output == "hello from a plugin\n"


def test_env_plugin_tenants_lists_the_tenants_of_a_plugin(
    registry, tenant_factory, plugin_operator
):
    """``Env.plugin_tenants``: what every plugin's cron sweep walks through — the
    tenants with the plugin enabled, in slug order, or with it installed at all."""
    from learninghub.cli import Env

    class TestEnv(Env):
        @property
        def registry(self):
            return registry

    b = tenant_factory(slug="pt-b")
    a = tenant_factory(slug="pt-a")
    off = tenant_factory(slug="pt-c")
    plugin_operator("announcements").disable(off)
    env = TestEnv("unused.ini")
    enabled = [s for s in env.plugin_tenants("announcements") if s.startswith("pt-")]
    assert enabled == [a.slug, b.slug]
    installed = env.plugin_tenants("announcements", enabled_only=False)
    assert [s for s in installed if s.startswith("pt-")] == [a.slug, b.slug, off.slug]
    assert env.plugin_tenants("no-such-plugin") == []
