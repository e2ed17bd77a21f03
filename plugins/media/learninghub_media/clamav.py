"""ClamAV scanning through the clamd daemon's ``INSTREAM`` command.

Set ``plugin.media.clamd_socket`` (instance-wide only) to ``unix:/run/clamav/clamd.ctl``
(or just the absolute path) or ``tcp:127.0.0.1:3310``. Unset: no opinion (None), the
upload is not scanned.

The protocol (clamd(8)): send ``zINSTREAM\\0``, then the file as chunks each
prefixed by its length as a 4-byte big-endian integer, then a zero length; clamd
answers one NUL-terminated line: ``stream: OK``, ``stream: <signature> FOUND`` or
``<message> ERROR``.
"""

from __future__ import annotations

import logging
import socket
import struct

from learninghub.hookspecs import hookimpl

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
MAX_REPLY = 4096


def connect(address: str, timeout: float) -> socket.socket:
    """A socket connected to clamd at ``address`` (``unix:PATH``, ``/PATH``,
    ``tcp:HOST:PORT``)."""
    if address.startswith("unix:") or address.startswith("/"):
        path = address.removeprefix("unix:")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        return sock
    if address.startswith("tcp:"):
        host, _, port = address.removeprefix("tcp:").rpartition(":")
        if host and port.isdigit():
            return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
    raise ValueError(f"clamd_socket {address!r}: use unix:/path or tcp:host:port")


def scan_path(address: str, path: str, timeout: float = 30.0) -> str:
    """Scan the file at ``path``; return ``clean``, ``infected <signature>`` or
    ``error <message>`` (never raises: a scanner that cannot answer fails closed)."""
    try:
        with connect(address, timeout) as sock, open(path, "rb") as file:
            sock.sendall(b"zINSTREAM\0")
            while chunk := file.read(CHUNK):
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
                data = sock.recv(MAX_REPLY)
                if not data:
                    break
                reply += data
    except (OSError, ValueError) as exc:
        log.error("clamd at %s could not scan: %s", address, exc)
        return f"error clamd unavailable: {exc}"[:300]
    return parse_reply(reply)


def parse_reply(reply: bytes) -> str:
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("FOUND"):
        signature = text.removesuffix("FOUND").strip().removeprefix("stream:").strip()
        return f"infected {signature}"[:300]
    if text.endswith(": OK") or text == "OK":
        return "clean"
    return f"error clamd: {text or 'no answer'}"[:300]


def ping(address: str, timeout: float = 5.0) -> None:
    """Raise unless clamd at ``address`` answers ``PONG`` (readiness)."""
    with connect(address, timeout) as sock:
        sock.sendall(b"zPING\0")
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
            data = sock.recv(MAX_REPLY)
            if not data:
                break
            reply += data
    if reply.rstrip(b"\0").strip() != b"PONG":
        raise ConnectionError(f"clamd at {address} answered {reply[:80]!r}")


def readiness_checks(registry) -> list:
    """``("media.clamd", check)`` when the instance scans uploads, else nothing."""
    settings = registry["plugins"].settings_for("media", None)
    if not settings.clamd_socket:
        return []
    return [("media.clamd", lambda: ping(settings.clamd_socket, min(settings.clamd_timeout, 5)))]


@hookimpl
def learninghub_media_scan(request, asset, path):
    """ClamAV's verdict when ``clamd_socket`` is set, else None."""
    settings = request.plugin_settings("media")
    if not settings.clamd_socket:
        return None
    verdict = scan_path(settings.clamd_socket, path, settings.clamd_timeout)
    log.info("clamd scanned media asset %s: %s", asset.id, verdict)
    return verdict
