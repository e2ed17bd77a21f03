"""The README's promise: `learninghub demo` is idempotent, prints credentials, and
those credentials sign in through the API of the app (development fallback host
localhost). The commands run in this process (CliRunner) and the app answers through
webtest: that `learninghub ... serve` serves over HTTP is test_cli's end-to-end test."""

import re
import textwrap

import pytest
import webtest

from learninghub.cli import Env

from .test_cli import in_process_cli, succeeded, traceback_of


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

    with in_process_cli(str(ini)) as lh:

        def cli(*args):
            r = lh(*args)
            assert succeeded(r), r.output + traceback_of(r)
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

        # the app the `serve` command serves, built from the same ini file
        env = Env(str(ini))
        try:
            app = webtest.TestApp(env.config.make_wsgi_app())
            localhost = {"HTTP_HOST": "localhost:6543"}
            for email, password in creds.items():
                token = app.post_json(
                    "/api/v1/auth/token",
                    {"email": email, "password": password},
                    extra_environ=localhost,
                ).json["access_token"]
                body = app.get(
                    "/api/v1/me",
                    headers={"Authorization": f"Bearer {token}"},
                    extra_environ=localhost,
                ).json
                assert body["email"] == email and body["tenant"] == "demo"
                assert body["roles"] == [email.split("@")[0].removesuffix("-ar")]
            page = app.get("/", extra_environ={"HTTP_HOST": "localhost"})
            assert page.status_int == 200 and "Demo Academy" in page.text
            # the second tenant: its own name, theme and default language on its own host
            page = app.get("/", extra_environ={"HTTP_HOST": "campus.localhost"})
            assert page.status_int == 200 and "Campus College" in page.text
            assert 'lang="es"' in page.text and "theme-campus" in page.text
        finally:
            env.close()
