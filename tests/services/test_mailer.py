"""FileMailer and SMTPMailer against the IMailer contract.

SMTPMailer talks to a real aiosmtpd server on 127.0.0.1 (ephemeral port)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import transaction
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from learninghub.errors import ConfigurationError
from learninghub.services.mailer import FileMailer, SMTPMailer, factory
from learninghub.testing.contracts import MailerContract, make_message


class RecordingHandler:
    """aiosmtpd handler keeping every accepted message with its envelope."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # SMTP carries CRLF line ends; compare contents as a mail client would show them.
        data = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        message = email.message_from_bytes(
            data,
            _class=EmailMessage,
            policy=email.policy.default,
        )
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class LoopbackController(Controller):
    """A Controller listening on an ephemeral port of 127.0.0.1, chosen by the OS."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._sock.getsockname()[1], **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


@pytest.fixture
def smtp_server() -> Iterator[LoopbackController]:
    controller = LoopbackController(RecordingHandler())
    controller.start()
    yield controller
    controller.stop()


class TestFileMailer(MailerContract):
    @pytest.fixture
    def service(self, tmp_path: Path) -> FileMailer:
        return FileMailer(tmp_path / "mail", sender="Learning Hub <hub@example.org>")

    def delivered(self, service: FileMailer) -> list[EmailMessage]:
        return service.messages()

    def test_maildir_layout(self, service: FileMailer) -> None:
        service.send_immediately(make_message())
        assert len(list((Path(service.path) / "new").iterdir())) == 1
        assert list((Path(service.path) / "tmp").iterdir()) == []

    def test_default_sender_setting(self, service: FileMailer) -> None:
        service.send_immediately(make_message())
        assert service.messages()[0]["From"] == "Learning Hub <hub@example.org>"


class TestSMTPMailer(MailerContract):
    @pytest.fixture
    def service(self, smtp_server: LoopbackController) -> SMTPMailer:
        return SMTPMailer(host="127.0.0.1", port=smtp_server.port, timeout=5)

    @pytest.fixture(autouse=True)
    def _server(self, smtp_server: LoopbackController) -> None:
        self.server = smtp_server

    def delivered(self, service: SMTPMailer) -> list[EmailMessage]:
        with self.server.handler.lock:
            return list(self.server.handler.messages)

    def test_bcc_is_delivered_but_not_disclosed(self, service: SMTPMailer) -> None:
        service.send_immediately(make_message(Bcc="hidden@example.org", From="a@example.org"))
        (message,) = self.delivered(service)
        assert message["Bcc"] is None
        assert self.server.handler.envelopes == [
            ("a@example.org", ["learner@example.org", "hidden@example.org"])
        ]

    def test_delivery_failure_after_commit_is_logged(self, caplog: Any) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        mailer = SMTPMailer(host="127.0.0.1", port=closed_port, timeout=2)
        tm = transaction.TransactionManager(explicit=True)
        with tm:
            mailer.send(make_message("Lost"), tm)
        assert "could not deliver mail" in caplog.text
        with pytest.raises(OSError):
            mailer.send_immediately(make_message())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
class TestSMTPMailerWithLogin:
    def test_login(self) -> None:
        handler = RecordingHandler()
        logins: list[tuple[bytes, bytes]] = []

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            if isinstance(data, LoginPassword):
                logins.append((data.login, data.password))
                return AuthResult(success=data.password == b"s3cret")
            return AuthResult(success=False)

        controller = LoopbackController(
            handler, authenticator=authenticator, auth_require_tls=False, auth_required=True
        )
        controller.start()
        try:
            mailer = factory(
                {
                    "mail.backend": "smtp",
                    "mail.smtp_host": "127.0.0.1",
                    "mail.smtp_port": controller.port,
                    "mail.smtp_username": "hub",
                    "mail.smtp_password": "s3cret",
                    "mail.smtp_starttls": False,
                    "mail.sender": "hub@example.org",
                }
            )
            mailer.send_immediately(make_message("Authenticated"))
        finally:
            controller.stop()
        assert logins == [(b"hub", b"s3cret")]
        assert [str(m["Subject"]) for m in handler.messages] == ["Authenticated"]
        assert handler.messages[0]["From"] == "hub@example.org"


def test_factory_file(tmp_path: Path) -> None:
    mailer = factory({"mail.backend": "file", "mail.path": str(tmp_path / "m")})
    assert isinstance(mailer, FileMailer)


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"mail.backend": "pigeon"}, "mail.backend"),
        ({"mail.backend": "smtp", "mail.smtp_port": "25"}, "mail.smtp_port"),
        ({"mail.backend": "smtp", "mail.smtp_port": 70000}, "mail.smtp_port"),
    ],
)
def test_factory_invalid_settings(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigurationError, match=key):
        factory(settings)
