"""Implementations of :class:`learninghub.interfaces.IMailer`.

``send`` freezes a copy of the message and registers an after-commit hook on the
transaction: an aborted (or failed) commit sends nothing. Delivery errors after commit
cannot undo the commit; they are logged. Code that needs retries sends from a task
(enqueued after commit) with ``send_immediately``.
"""

from __future__ import annotations

import abc
import copy
import email
import email.policy
import logging
import mailbox
import os
import re
import smtplib
import ssl
import threading
from email.message import EmailMessage, Message
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

import transaction
from zope.interface import implementer

from learninghub.errors import ConfigurationError
from learninghub.interfaces import IMailer

log = logging.getLogger(__name__)

DEFAULT_SENDER = "Learning Hub <noreply@localhost>"


class _Mailer(abc.ABC):
    """Transaction handling and message preparation shared by the back ends."""

    def __init__(self, sender: str | None = None) -> None:
        self.sender = sender

    def prepare(self, message: Message) -> Message:
        """Return a copy of ``message`` with From, Date and Message-ID filled in."""
        if not isinstance(message, Message):
            raise TypeError(
                f"message must be an email.message.EmailMessage, not {type(message).__name__}"
            )
        if not _recipients(message):
            raise ValueError("the message has no recipient (To, Cc or Bcc)")
        message = copy.deepcopy(message)
        if message["From"] is None:
            if not self.sender:
                raise ValueError("the message has no From header and no mail.sender is set")
            message["From"] = self.sender
        if message["Date"] is None:
            message["Date"] = formatdate(localtime=False, usegmt=True)
        if message["Message-ID"] is None:
            message["Message-ID"] = make_msgid()
        return message

    def send(self, message: Message, transaction_manager: Any = None) -> None:
        """Deliver ``message`` after the transaction of ``transaction_manager``
        (default: the thread's ``transaction.manager``) commits successfully."""
        prepared = self.prepare(message)
        tm = transaction_manager if transaction_manager is not None else transaction.manager
        tm.get().addAfterCommitHook(self._after_commit, args=(prepared,))

    def send_immediately(self, message: Message) -> None:
        """Deliver ``message`` now, outside any transaction; errors propagate."""
        self.deliver(self.prepare(message))

    def _after_commit(self, success: bool, message: Message) -> None:
        if not success:
            return
        try:
            self.deliver(message)
        except Exception:
            log.exception(
                "could not deliver mail %s to %s after commit",
                message["Message-ID"],
                ", ".join(_recipients(message)),
            )

    @abc.abstractmethod
    def deliver(self, message: Message) -> None:
        """Hand ``message`` to the outside world (a maildir, an SMTP server)."""


@implementer(IMailer)
class FileMailer(_Mailer):
    """Writes each message into a Maildir (``cur``/``new``/``tmp``) for development."""

    def __init__(self, path: str | os.PathLike[str], sender: str | None = DEFAULT_SENDER) -> None:
        super().__init__(sender)
        self.path = os.path.abspath(os.fspath(path))
        self._lock = threading.Lock()
        # mailbox.Maildir(create=True) skips the sub-folders when the folder exists
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(self.path, sub), exist_ok=True)
        self._maildir = mailbox.Maildir(self.path, factory=None, create=True)

    def deliver(self, message: Message) -> None:
        """Add ``message`` to the Maildir (atomic: written in tmp/, moved to new/)."""
        with self._lock:
            self._maildir.add(message)

    def messages(self) -> list[EmailMessage]:
        """Return the delivered messages, oldest first (for tests and a dev mail view)."""
        entries = []
        for sub in ("new", "cur"):
            with os.scandir(os.path.join(self.path, sub)) as it:
                for entry in it:
                    if entry.name.startswith(".") or not entry.is_file():
                        continue
                    with open(entry.path, "rb") as f:
                        entries.append((_delivery_order(entry.name), f.read()))
        entries.sort(key=lambda item: item[0])
        return [
            email.message_from_bytes(data, _class=EmailMessage, policy=email.policy.default)
            for _, data in entries
        ]


@implementer(IMailer)
class SMTPMailer(_Mailer):
    """Sends each message over a new SMTP connection (thread-safe, no pooling)."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 25,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
        sender: str | None = DEFAULT_SENDER,
    ) -> None:
        super().__init__(sender)
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def deliver(self, message: Message) -> None:
        """Send ``message`` now (Bcc recipients get it, the Bcc header is not sent)."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


_MAILDIR_NAME = re.compile(r"(\d+)\.M(\d+)P\d+Q(\d+)\.")


def _delivery_order(name: str) -> tuple[int, int, int, str]:
    # Maildir names made by mailbox.Maildir: "<seconds>.M<microseconds>P<pid>Q<count>.<host>"
    match = _MAILDIR_NAME.match(name)
    if match is None:
        return (0, 0, 0, name)
    seconds, micros, count = (int(g) for g in match.groups())
    return (seconds, micros, count, name)


def _recipients(message: Message) -> list[str]:
    values = [str(v) for header in ("To", "Cc", "Bcc") for v in message.get_all(header, [])]
    return [address for _, address in getaddresses(values) if address]


def factory(settings: dict[str, Any]) -> FileMailer | SMTPMailer:
    """Build the mailer chosen by ``mail.backend`` (``file`` or ``smtp``)."""
    backend = settings.get("mail.backend") or "file"
    sender = settings.get("mail.sender") or DEFAULT_SENDER
    if backend == "file":
        path = settings.get("mail.path") or "var/mail"
        try:
            return FileMailer(path, sender=sender)
        except OSError as exc:
            raise ConfigurationError("mail.path", f"cannot create {path!r}: {exc}") from exc
    if backend == "smtp":
        port = settings.get("mail.smtp_port", 25)
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ConfigurationError("mail.smtp_port", f"must be a port number, got {port!r}")
        timeout = settings.get("mail.smtp_timeout", 10.0)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigurationError("mail.smtp_timeout", f"must be > 0 seconds, got {timeout!r}")
        return SMTPMailer(
            host=settings.get("mail.smtp_host") or "localhost",
            port=port,
            username=settings.get("mail.smtp_username") or None,
            password=settings.get("mail.smtp_password") or None,
            starttls=bool(settings.get("mail.smtp_starttls", False)),
            timeout=float(timeout),
            sender=sender,
        )
    raise ConfigurationError("mail.backend", f"must be 'file' or 'smtp', got {backend!r}")
