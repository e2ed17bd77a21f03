"""The README's promise: `learninghub demo` is idempotent, prints credentials, and
those credentials sign in through the API of the served app (development fallback
host localhost)."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from .test_cli import ROOT, free_port, http_get


@pytest.mark.slow
def test_demo_seed_is_idempotent_and_credentials_sign_in(tmp_path):
    ini = tmp_path / "dev.ini"
    ini.write_text(
        textwrap.dedent(f"""
        [app:main]
        use = egg:learninghub
        environment = development
        secret.key = dev-only-demo-test-0123456789abcdef0123
        db.url = sqlite:///{tmp_path}/demo.sqlite
        storage.path = {tmp_path}/files
        search.path = {tmp_path}/search
        mail.path = {tmp_path}/mail
        tenancy.fallback_tenant = demo
        auth.cookie_secure = false
        log.level = warning
    """)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNINGHUB_TEST_")}

    def cli(*args):
        r = subprocess.run(
            [sys.executable, "-m", "learninghub.cli", "--config", str(ini), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        return r.stdout

    cli("db", "upgrade")
    first = cli("demo")
    second = cli("demo")
    creds = dict(re.findall(r"^\s+(\S+@demo\.example)\s+(\S+)$", first, re.M))
    assert set(creds) == {
        "admin@demo.example",
        "instructor@demo.example",
        "learner@demo.example",
        "learner-ar@demo.example",
    }
    assert "admin@campus.example" in first
    assert dict(re.findall(r"^\s+(\S+@demo\.example)\s+(\S+)$", second, re.M)) == creds
    assert cli("tenant", "list").count("demo") == 1

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "learninghub.cli",
            "--config",
            str(ini),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http_get(port, "localhost", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        for email, password in creds.items():
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/auth/token",
                data=json.dumps({"email": email, "password": password}).encode(),
                headers={"Content-Type": "application/json", "Host": f"localhost:{port}"},
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                token = json.loads(resp.read())["access_token"]
            me = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/me",
                headers={"Authorization": f"Bearer {token}", "Host": f"localhost:{port}"},
            )
            with urllib.request.urlopen(me, timeout=10) as resp:
                body = json.loads(resp.read())
            assert body["email"] == email and body["tenant"] == "demo"
            assert body["roles"] == [email.split("@")[0].removesuffix("-ar")]
        status, page = http_get(port, "localhost", "/")
        assert status == 200 and "Demo Academy" in page
        # the second tenant: its own name, theme and default language on its own host
        status, page = http_get(port, "campus.localhost", "/")
        assert status == 200 and "Campus College" in page
        assert 'lang="es"' in page and "theme-campus" in page
    finally:
        server.terminate()
        server.wait(timeout=20)
