"""Browser test (Playwright + Debian chromium) of the account flow a person goes through:
sign up, verify by the link from the captured mail, sign in, enrol TOTP with a code
computed from the shown secret, sign out, sign in again with the TOTP code.

Screenshots of each step land in var/screenshots/ (git-ignored)."""

import mailbox
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pyotp
import pytest
import transaction

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed"),
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def live_server(tmp_path, lh_raw_settings):
    import waitress

    from learninghub import configure
    from learninghub.cli import create_tenant
    from learninghub.config import collect_settings
    from learninghub.migrate import upgrade
    from learninghub.tasks import make_tenant_request

    raw = dict(
        lh_raw_settings,
        **{
            "db.url": f"sqlite:///{tmp_path}/browser.sqlite",
            "mail.path": str(tmp_path / "mail"),
            "storage.path": str(tmp_path / "files"),
            "search.path": str(tmp_path / "search"),
            "tenancy.base_domain": "localhost",
            "cache.url": "memory://",
            "events.url": "memory://",
        },
    )
    upgrade(collect_settings(raw, environ={}))
    config = configure(raw, environ={})
    registry = config.registry
    tm = transaction.TransactionManager(explicit=True)
    with tm:
        request = make_tenant_request(registry, None, tm)
        from learninghub.db import system_session

        system_session(request.db)
        create_tenant(registry, request.db, "browser", "Browser Academy", [])
    registry["tenancy.resolver"].invalidate()
    server = waitress.create_server(config.make_wsgi_app(), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {"base": f"http://browser.localhost:{server.effective_port}", "mail": tmp_path / "mail"}
    server.close()
    registry["db.engine"].dispose()


def newest_link(maildir: Path, path: str) -> str:
    box = mailbox.Maildir(str(maildir), create=False)
    for key in sorted(box.keys(), reverse=True):
        msg = box[key]
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                body = part.get_payload(decode=True).decode()
                match = re.search(r"(https?://\S+" + re.escape(path) + r"\S+)", body)
                if match:
                    return match.group(1)
    raise AssertionError(f"no mail with a {path} link")


def test_sign_up_verify_enrol_totp_and_sign_in_again(live_server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server["base"]
    email, password = "ada@example.org", "correct horse battery staple 42"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        try:
            page.goto(base + "/signup")
            page.get_by_label("Your name").fill("Ada Lovelace")
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password").fill(password)
            page.screenshot(path=str(SHOTS / "1-signup.png"))
            page.get_by_role("button", name="Create account").click()
            page.wait_for_load_state()

            link = newest_link(live_server["mail"], "/verify-email")
            link = re.sub(r"^https?://[^/]+", base, link)
            page.goto(link)
            page.screenshot(path=str(SHOTS / "2-verify.png"))
            page.locator("form button[type=submit]").first.click()
            page.wait_for_load_state()

            page.goto(base + "/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert "Signed in as" in page.content() or page.url.endswith("/")

            page.goto(base + "/account/security")
            page.get_by_role("button", name="Set up two-step sign-in").click()
            secret = page.locator("#totp-secret").inner_text().strip()
            page.screenshot(path=str(SHOTS / "3-enrol.png"))
            page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Turn on").click()
            page.wait_for_selector("#backup-codes")
            assert page.locator("#backup-codes li").count() == 10

            page.get_by_role("button", name="Sign out").last.click()
            page.wait_for_load_state()
            page.goto(base + "/account/security")
            assert "/login" in page.url

            page.goto(base + "/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("#code")
            page.screenshot(path=str(SHOTS / "4-mfa.png"))
            # the enrolment code was spent: use the next 30-second step's code
            page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
            page.get_by_role("button", name="Verify").click()
            page.wait_for_load_state()
            page.goto(base + "/")
            assert "Signed in as" in page.content()
            page.screenshot(path=str(SHOTS / "5-signed-in.png"))
        finally:
            browser.close()
