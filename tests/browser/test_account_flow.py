"""Browser test (Playwright + Debian chromium) of the account flow a person goes through:
sign up, verify by the link from the captured mail, sign in, enrol TOTP with a code
computed from the shown secret, sign out, sign in again with the TOTP code.

The app, chromium and the screenshots (var/screenshots/account-*.png, git-ignored)
come from the browser test kit, learninghub.testing.browser."""

import mailbox
import re
import time
from pathlib import Path

import pyotp
import pytest

from learninghub.services.mailer import _delivery_order
from learninghub.testing.browser import screenshot

pytestmark = pytest.mark.slow


def newest_link(maildir: Path, path: str) -> str:
    box = mailbox.Maildir(str(maildir), create=False)
    for key in sorted(box.keys(), key=_delivery_order, reverse=True):
        msg = box[key]
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                body = part.get_payload(decode=True).decode()
                match = re.search(r"(https?://\S+" + re.escape(path) + r"\S+)", body)
                if match:
                    return match.group(1)
    raise AssertionError(f"no mail with a {path} link")


def test_sign_up_verify_enrol_totp_and_sign_in_again(live_app, browser_page):
    page = browser_page
    base = live_app.create_tenant("browser", "Browser Academy").base
    email, password = "ada@example.org", "correct horse battery staple 42"
    page.goto(base + "/signup")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    screenshot(page, "account-1-signup")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()

    link = newest_link(live_app.mail_path, "/verify-email")
    link = re.sub(r"^https?://[^/]+", base, link)
    page.goto(link)
    screenshot(page, "account-2-verify")
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
    screenshot(page, "account-3-enrol")
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
    screenshot(page, "account-4-mfa")
    # the enrolment code was spent: use the next 30-second step's code
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    page.goto(base + "/")
    assert "Signed in as" in page.content()
    screenshot(page, "account-5-signed-in")
