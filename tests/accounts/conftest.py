"""Fixtures of the account tests (sign-up, reset, profile, admin): mail links, domain
events, the tenant's sign-up mode and a cookie-keeping browser for the pages."""

from __future__ import annotations

import contextlib
import re

import pytest

from learninghub.db import bind_tenant, system_session
from learninghub.testing.pages import CSRF_RE, Browser  # noqa: F401  (used by the tests)


def mail_text(message) -> str:
    if message.is_multipart():
        return "\n".join(mail_text(part) for part in message.get_payload())
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def mails(mailbox):
    """``mails(to=None)``: the messages delivered so far in this test (optionally those
    addressed to ``to``), as ``(to, subject, text)`` tuples."""

    def read(to: str | None = None) -> list[tuple[str, str, str]]:
        out = []
        for message in mailbox.refresh():
            item = (str(message["To"]), str(message["Subject"]), mail_text(message))
            if to is None or to in item[0]:
                out.append(item)
        return out

    return read


@pytest.fixture
def link_token(mails):
    """``link_token(path, to=None)``: the token of the last mailed link to ``path``
    (``/verify-email``, ``/reset-password``, ``/confirm-email``, ``/signup``)."""

    def find(path: str, to: str | None = None) -> str:
        tokens = []
        for _, _, text in mails(to):
            tokens += re.findall(re.escape(path) + r"\?(?:token|invite)=([A-Za-z0-9_\-]+)", text)
        assert tokens, f"no mail with a {path} link"
        return tokens[-1]

    return find


@pytest.fixture
def signup_mode(db, registry):
    """``signup_mode(tenant, "invite")``: set the tenant's sign-up mode as its admin would."""

    def set_mode(tenant, mode: str | None) -> None:
        settings = dict(tenant.orm.settings or {})
        if mode is None:
            settings.pop("signup", None)
        else:
            settings["signup"] = mode
        tenant.orm.settings = settings
        db.flush()
        registry["tenancy.resolver"].invalidate()

    return set_mode


@pytest.fixture
def tenant_request(registry, db):
    """``with tenant_request(tenant) as request:`` a request of ``tenant`` whose
    ``request.db`` is the test session bound to the tenant (for calling services)."""
    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def make(tenant):
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, None)
        request.__dict__["db"] = db
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            yield request
            db.flush()
        finally:
            system_session(db)

    return make


@pytest.fixture
def browser(page_browser):
    """The kit's ``page_browser`` under the name the account tests use."""
    return page_browser


@pytest.fixture
def fresh():
    """``fresh(db, user)``: the user as the database has it now."""

    def load(db, user):
        db.expire_all()
        return db.get(type(user), user.id)

    return load
