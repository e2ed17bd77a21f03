"""Fixtures of the channel tests (email, digest; push may add its own here).

``as_tenant(tenant)``   a tenant-bound request in its own transaction on the test
                        connection, committed at the end (what a worker does)
``smtp_server``         an aiosmtpd server on 127.0.0.1 (ephemeral port) keeping what
                        it receives (``.handler.messages``, ``.handler.raw``);
                        ``.handler.refuse[address] = "550 ..."`` refuses a recipient
``smtp_mail``           the app's mailer pointed at ``smtp_server`` for the test (an
                        :class:`SMTPMailer` built from ``mail.backend = smtp`` settings);
                        the list of received messages
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from types import SimpleNamespace
from typing import Any

import pytest
import transaction


@pytest.fixture
def as_tenant(registry):
    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def run(tenant):
        resolver = registry["tenancy.resolver"]
        resolver.forget_local()
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, resolver.by_id(tenant.id), tm)
        tm.begin()
        try:
            yield request
            tm.commit()
        except BaseException:
            tm.abort()
            raise
        finally:
            if "db" in request.__dict__:
                request.db.close()

    return run


class RecordingHandler:
    """aiosmtpd handler keeping every accepted message (parsed as a client would)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        #: the bytes received (headers as they were written)
        self.raw: list[bytes] = []
        #: address -> SMTP answer to RCPT TO for addresses to refuse (e.g. "550 5.1.1 ...")
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        answer = self.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        message = email.message_from_bytes(data, _class=EmailMessage, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.raw.append(data)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    from aiosmtpd.controller import Controller

    class LoopbackController(Controller):
        def __init__(self, handler: Any) -> None:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._sock.bind(("127.0.0.1", 0))
            super().__init__(handler, hostname="127.0.0.1", port=self._sock.getsockname()[1])

        def _create_server(self) -> Any:
            return self.loop.create_server(self._factory_invoker, sock=self._sock)

    controller = LoopbackController(RecordingHandler())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def smtp_mail(registry, smtp_server, monkeypatch) -> list[EmailMessage]:
    from pyramid_services import find_service_factory

    from learninghub.interfaces import IMailer
    from learninghub.services.mailer import SMTPMailer, factory

    mailer = factory(
        {
            **registry.settings,
            "mail.backend": "smtp",
            "mail.smtp_host": "127.0.0.1",
            "mail.smtp_port": smtp_server.port,
        }
    )
    assert isinstance(mailer, SMTPMailer)
    # the service registered at start-up is a singleton wrapper: swap what it holds
    wrapper = find_service_factory(SimpleNamespace(registry=registry), IMailer)
    monkeypatch.setattr(wrapper, "service", mailer)
    return smtp_server.handler.messages
