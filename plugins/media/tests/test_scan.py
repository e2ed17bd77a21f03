"""The scan hook and the ClamAV implementation (clamd INSTREAM), against a tiny fake
clamd on a unix socket and on loopback TCP."""

from __future__ import annotations

import os
import socket
import socketserver
import struct
import tempfile
import threading

import pytest

from learninghub.hookspecs import hookimpl
from learninghub_media import clamav

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd(socketserver.BaseRequestHandler):
    """Speaks clamd's INSTREAM: ``zINSTREAM\\0``, length-prefixed chunks, a zero length;
    answers ``stream: OK`` or ``stream: Eicar-Test-Signature FOUND``."""

    def handle(self):
        conn = self.request
        command = b""
        while not command.endswith(b"\0"):
            command += conn.recv(1)
        self.server.commands.append(command)
        if command == b"zPING\0":
            conn.sendall(b"PONG\0")
            return
        if command != b"zINSTREAM\0":
            conn.sendall(b"UNKNOWN COMMAND\0")
            return
        data = b""
        while True:
            size = struct.unpack("!I", self._exactly(4))[0]
            if size == 0:
                break
            self.server.chunks += 1
            data += self._exactly(size)
        found = EICAR in data
        conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def _exactly(self, n):
        out = b""
        while len(out) < n:
            part = self.request.recv(n - len(out))
            if not part:
                raise ConnectionError("client went away")
            out += part
        return out


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True


def _serve(server):
    server.commands, server.chunks = [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def clamd():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "clamd.sock")
        server = _serve(UnixServer(path, FakeClamd))
        try:
            yield server, f"unix:{path}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def clamd_tcp():
    server = _serve(TCPServer(("127.0.0.1", 0), FakeClamd))
    try:
        yield server, f"tcp:127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_eicar_is_quarantined_and_its_bytes_are_deleted(
    tenant, user_factory, upload, instance_setting, clamd, stored, client
):
    server, address = clamd
    instance_setting("clamd_socket", address)
    owner = user_factory(tenant, "instructor")
    r = upload(tenant, owner, "readme.txt", EICAR + b"\n")
    assert r.status_int == 422 and r.json["title"] == "Upload quarantined"
    assert "Eicar-Test-Signature" in r.json["detail"] and r.json["asset_status"] == "quarantined"
    assert server.commands == [b"zINSTREAM\0"]
    asset = client(tenant, owner).get(f"/api/v1/media/{r.json['asset_id']}?links=true").json
    assert asset["status"] == "quarantined" and asset["file_url"] is None
    assert asset["status_reason"] == "infected Eicar-Test-Signature"
    assert stored(tenant) == []  # the row stays for the record, the bytes are gone


def test_clean_file_is_ready_after_the_scan(
    tenant, user_factory, upload, instance_setting, clamd, samples
):
    server, address = clamd
    instance_setting("clamd_socket", address)
    r = upload(tenant, user_factory(tenant, "instructor"), "a.png", samples.png())
    assert r.status_int == 201 and r.json["status"] == "ready"
    assert server.commands == [b"zINSTREAM\0"]


def test_tus_upload_of_eicar_is_quarantined(
    tenant, user_factory, tus, instance_setting, clamd_tcp, stored
):
    server, address = clamd_tcp
    instance_setting("clamd_socket", address)
    t = tus(tenant, user_factory(tenant, "instructor"))
    data = EICAR + b"\n"
    location = t.create(len(data), "virus.txt").headers["Location"]
    r = t.patch(location, 0, data)
    assert r.status_int == 422 and r.json["title"] == "Upload quarantined"
    assert "Media-Asset-Id" in r.headers and stored(tenant) == []


def test_unreachable_clamd_fails_closed(tenant, user_factory, upload, instance_setting, samples):
    instance_setting("clamd_socket", "unix:/nonexistent/clamd.sock")
    r = upload(tenant, user_factory(tenant, "instructor"), "a.png", samples.png())
    assert r.status_int == 422 and r.json["title"] == "Upload rejected"
    assert r.json["asset_status"] == "rejected"


def test_large_files_are_streamed_in_chunks(clamd, tmp_path):
    server, address = clamd
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(clamav.CHUNK * 3 + 5))
    assert clamav.scan_path(address, str(path)) == "clean"
    assert server.chunks == 4


def test_tenants_cannot_choose_the_socket(registry, tenant, media_settings):
    from learninghub.errors import LearningHubError

    with pytest.raises((LearningHubError, ValueError)):
        media_settings(tenant, clamd_socket="tcp:10.0.0.1:3310")


def test_replies_and_addresses():
    assert clamav.parse_reply(b"stream: OK\0") == "clean"
    assert clamav.parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0") == (
        "infected Win.Test.EICAR_HDB-1"
    )
    assert clamav.parse_reply(b"INSTREAM size limit exceeded. ERROR\0").startswith("error")
    assert clamav.parse_reply(b"").startswith("error")
    with pytest.raises(ValueError):
        clamav.connect("http://example.org", 1)
    with pytest.raises(OSError):
        clamav.connect("unix:/nonexistent/sock", 1)
    lonely = socket.socket()
    lonely.bind(("127.0.0.1", 0))
    port = lonely.getsockname()[1]
    lonely.close()
    assert clamav.scan_path(f"tcp:127.0.0.1:{port}", __file__).startswith("error")


def test_readiness_check_pings_clamd(registry, instance_setting, clamd):
    server, address = clamd
    assert clamav.readiness_checks(registry) == []
    instance_setting("clamd_socket", address)
    [(name, check)] = clamav.readiness_checks(registry)
    assert name == "media.clamd"
    check()
    assert server.commands == [b"zPING\0"]
    instance_setting("clamd_socket", "unix:/nonexistent/clamd.sock")
    [(name, check)] = clamav.readiness_checks(registry)
    with pytest.raises(OSError):
        check()


def test_readyz_lists_clamd(app, instance_setting, clamd):
    server, address = clamd
    instance_setting("clamd_socket", address)
    r = app.get("/readyz", extra_environ={"HTTP_HOST": "127.0.0.1"}, expect_errors=True)
    assert r.json["checks"]["media.clamd"] == {"status": "ok"}


class BrokenScanner:
    @hookimpl
    def learninghub_media_scan(self, request, asset, path):
        raise RuntimeError("signature database is corrupt")


class PickyScanner:
    def __init__(self):
        self.seen = []

    @hookimpl
    def learninghub_media_scan(self, request, asset, path):
        self.seen.append((asset.content_type, open(path, "rb").read()))
        return "clean"


def test_a_scanner_that_raises_rejects_the_file(
    registry, tenant, user_factory, upload, samples, stored
):
    registry["plugins"].pm.register(BrokenScanner(), name="test-media-broken-scanner")
    try:
        r = upload(tenant, user_factory(tenant, "instructor"), "a.png", samples.png())
    finally:
        registry["plugins"].pm.unregister(name="test-media-broken-scanner")
    assert r.status_int == 422 and r.json["asset_status"] == "rejected"
    assert "RuntimeError" in r.json["detail"] and stored(tenant) == []


def test_scanners_get_the_bytes_and_the_sniffed_type(
    registry, tenant, user_factory, upload, samples
):
    scanner = PickyScanner()
    registry["plugins"].pm.register(scanner, name="test-media-picky-scanner")
    try:
        data = samples.png()
        r = upload(tenant, user_factory(tenant, "instructor"), "x.mp4", data)
    finally:
        registry["plugins"].pm.unregister(name="test-media-picky-scanner")
    assert r.status_int == 201 and scanner.seen == [("image/png", data)]
