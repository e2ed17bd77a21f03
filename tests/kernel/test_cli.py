"""The learninghub command, run as a person would: clear messages, no tracebacks,
and the plugin scaffold working end to end over real HTTP."""

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

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


def run(ini, *args, env=None, stdin=""):
    environ = dict(os.environ, **(env or {}))
    for key in ("LEARNINGHUB_TEST_DATABASE_URL", "LEARNINGHUB_TEST_REDIS_URL"):
        environ.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "learninghub.cli", "--config", ini, *args],
        capture_output=True,
        text=True,
        env=environ,
        input=stdin,
        cwd=ROOT,
        timeout=120,
    )


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
    assert run(ini, "db", "upgrade").returncode == 0
    r = run(ini, "tenant", "add", "acme", "--name", "Acme")
    assert r.returncode == 0, r.stderr
    assert run(ini, "tenant", "add", "acme").returncode != 0
    assert run(ini, "tenant", "add", "Bad Slug").returncode != 0
    r = run(
        ini,
        "user",
        "add",
        "boss@acme.example",
        "--tenant",
        "acme",
        "--role",
        "admin",
        stdin="a-long-password\n",
    )
    assert r.returncode == 0, r.stderr
    assert (
        run(ini, "user", "add", "x@acme.example", "--tenant", "acme", stdin="short\n").returncode
        != 0
    )
    r = run(ini, "plugin", "enable", "nosuchplugin", "--tenant", "acme")
    assert r.returncode == 2
    assert "unknown plugin 'nosuchplugin'" in r.stderr and "Traceback" not in r.stderr
    r = run(ini, "plugin", "enable", "announcements", "--tenant", "nosuchtenant")
    assert r.returncode != 0 and "unknown tenant" in r.stderr
    r = run(ini, "tenant", "set-domain", "acme", "learn.acme.example")
    assert r.returncode == 0, r.stderr
    listing = run(ini, "tenant", "list").stdout
    assert "acme" in listing and "learn.acme.example" in listing
    r = run(ini, "tenant", "set-domain", "acme", "other.learninghub.test")
    assert r.returncode != 0 and "base domain" in r.stderr


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
    r = run(ini, "plugin", "new", "demoplug", "--dest", str(dest))
    assert r.returncode == 0, r.stderr
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
    for args in (
        ("db", "upgrade"),
        ("db", "revision", "--branch", "demoplug", "-m", "demoplug: greetings"),
        ("db", "upgrade"),
        ("tenant", "add", "demo"),
        ("tenant", "add", "other"),
        ("plugin", "enable", "demoplug", "--tenant", "demo"),
    ):
        r = run(ini, *args, env=env)
        assert r.returncode == 0, (args, r.stderr)
    assert "demoplug" in run(ini, "plugin", "list", "--tenant", "demo", env=env).stdout
    import sqlite3

    def tables() -> set[str]:
        with sqlite3.connect(tmp_path / "cli.sqlite") as conn:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}

    assert "demoplug_greetings" in tables()
    assert run(ini, "db", "downgrade", "demoplug@base", env=env).returncode == 0
    assert "demoplug_greetings" not in tables() and "users" in tables()
    assert run(ini, "db", "upgrade", env=env).returncode == 0
    assert "demoplug_greetings" in tables()
    port = free_port()
    environ = dict(os.environ, **env)
    environ.pop("LEARNINGHUB_TEST_DATABASE_URL", None)
    environ.pop("LEARNINGHUB_TEST_REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "learninghub.cli", "--config", ini, "serve", "--port", str(port)],
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
