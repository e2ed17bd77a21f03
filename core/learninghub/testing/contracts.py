"""Contract tests every implementation of a kernel service interface must pass.

Each mixin is a plain class of ``test_*`` methods. A concrete test class inherits one,
provides a ``service`` pytest fixture returning the implementation under test, and
overrides the hooks the mixin documents::

    class TestLocalFileStorage(FileStorageContract):
        @pytest.fixture
        def service(self, tmp_path):
            return LocalFileStorage(tmp_path)

Tenants are fresh random UUIDs in every test, so back ends sharing a server (Redis)
need no cleanup between tests to stay isolated.
"""

from __future__ import annotations

import abc
import io
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyObject

from learninghub.errors import InvalidStorageKey
from learninghub.interfaces import (
    ICache,
    IEventTransport,
    IFileStorage,
    IMailer,
    IRateLimiter,
    ISearchIndex,
)

__all__ = [
    "CacheContract",
    "EventTransportContract",
    "FileStorageContract",
    "MailerContract",
    "ManualClock",
    "RateLimiterContract",
    "SearchIndexContract",
    "redis_test_url",
    "wait_until",
]


def new_tenant() -> uuid.UUID:
    """Return a tenant id no other test uses."""
    return uuid.uuid4()


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; return its value.

    For results delivered by other threads or processes (pub/sub, Redis expiry)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(0.01)


class ManualClock:
    """A monotonic clock that only moves when told to (inject into time-based services)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def redis_test_url(default_db: int, env: str = "LEARNINGHUB_TEST_REDIS_URL") -> str | None:
    """Return the Redis URL tests should use, or None when ``env`` is not set.

    A URL naming database 0 (or none) is moved to ``default_db`` (1-15) so tests never
    touch the database an instance may be using."""
    url = os.environ.get(env)
    if not url:
        return None
    if not 1 <= default_db <= 15:
        raise ValueError("default_db must be between 1 and 15")
    parts = urlsplit(url)
    db = parts.path.strip("/")
    if db in ("", "0"):
        parts = parts._replace(path=f"/{default_db}")
    return urlunsplit(parts)


# -- file storage -----------------------------------------------------------------

INVALID_KEYS = [
    "",
    "/etc/passwd",
    "../x",
    "a/../../b",
    "a/..",
    "..",
    ".",
    "a/./b",
    "a\\b",
    "..\\x",
    "a\x00b",
    "a//b",
    "a/",
    ".hidden",
    "a/.git/config",
    "a b",
    "caf\u00e9",
    "a:b",
    "~/x",
    "a/*",
]


class FileStorageContract:
    """Contract of :class:`learninghub.interfaces.IFileStorage`. Fixture: ``service``."""

    def test_provides_interface(self, service: Any) -> None:
        assert verifyObject(IFileStorage, service)

    def test_save_then_read(self, service: Any) -> None:
        tenant = new_tenant()
        assert service.save(tenant, "docs/a.txt", b"hello") == 5
        assert service.read(tenant, "docs/a.txt") == b"hello"
        assert service.exists(tenant, "docs/a.txt")
        assert service.size(tenant, "docs/a.txt") == 5
        with service.open(tenant, "docs/a.txt") as f:
            assert f.read() == b"hello"

    def test_save_accepts_binary_file_objects_and_empty_data(self, service: Any) -> None:
        tenant = new_tenant()
        payload = os.urandom(3 * 1024 * 1024 + 17)
        assert service.save(tenant, "big.bin", io.BytesIO(payload)) == len(payload)
        assert service.read(tenant, "big.bin") == payload
        assert service.save(tenant, "empty", b"") == 0
        assert service.read(tenant, "empty") == b""
        assert service.size(tenant, "empty") == 0

    def test_rejects_text(self, service: Any) -> None:
        with pytest.raises(TypeError):
            service.save(new_tenant(), "a.txt", "text is not bytes")

    def test_missing_objects(self, service: Any) -> None:
        tenant = new_tenant()
        for method in (service.read, service.open, service.size):
            with pytest.raises(KeyError):
                method(tenant, "missing.txt")
        assert not service.exists(tenant, "missing.txt")
        service.delete(tenant, "missing.txt")  # not an error
        assert service.list(tenant) == []

    def test_overwrite_replaces_whole_object(self, service: Any) -> None:
        tenant = new_tenant()
        service.save(tenant, "a.txt", b"a much longer first version")
        service.save(tenant, "a.txt", b"short")
        assert service.read(tenant, "a.txt") == b"short"
        assert service.size(tenant, "a.txt") == 5
        assert service.list(tenant) == ["a.txt"]

    def test_delete(self, service: Any) -> None:
        tenant = new_tenant()
        service.save(tenant, "a/b.txt", b"x")
        service.delete(tenant, "a/b.txt")
        assert not service.exists(tenant, "a/b.txt")
        with pytest.raises(KeyError):
            service.read(tenant, "a/b.txt")
        assert service.list(tenant) == []

    def test_list_is_sorted_and_filtered_by_prefix(self, service: Any) -> None:
        tenant = new_tenant()
        for key in ["b.txt", "a/2.txt", "a/1.txt", "a/sub/3.txt", "ab.txt"]:
            service.save(tenant, key, b"x")
        assert service.list(tenant) == ["a/1.txt", "a/2.txt", "a/sub/3.txt", "ab.txt", "b.txt"]
        assert service.list(tenant, "a/") == ["a/1.txt", "a/2.txt", "a/sub/3.txt"]
        assert service.list(tenant, "a") == ["a/1.txt", "a/2.txt", "a/sub/3.txt", "ab.txt"]
        assert service.list(tenant, "a/sub/") == ["a/sub/3.txt"]
        assert service.list(tenant, "nothing/") == []

    @pytest.mark.parametrize("key", ["a-b_c.d", "A/B/c.TXT", "v1..2", "x" * 200, "1/2/3/4/5/6"])
    def test_unusual_valid_keys(self, service: Any, key: str) -> None:
        tenant = new_tenant()
        service.save(tenant, key, b"ok")
        assert service.read(tenant, key) == b"ok"
        assert service.list(tenant) == [key]

    @pytest.mark.parametrize("key", INVALID_KEYS)
    def test_invalid_keys_are_refused_by_every_method(self, service: Any, key: str) -> None:
        tenant = new_tenant()
        calls: list[Callable[[], Any]] = [
            lambda: service.save(tenant, key, b"x"),
            lambda: service.read(tenant, key),
            lambda: service.open(tenant, key),
            lambda: service.exists(tenant, key),
            lambda: service.delete(tenant, key),
            lambda: service.size(tenant, key),
            lambda: service.local_path(tenant, key),
        ]
        for call in calls:
            with pytest.raises(InvalidStorageKey):
                call()
        assert service.list(tenant) == []

    @pytest.mark.parametrize("prefix", ["../", "/", "a/../../", "a\\", ".."])
    def test_invalid_list_prefixes_are_refused(self, service: Any, prefix: str) -> None:
        with pytest.raises(InvalidStorageKey):
            service.list(new_tenant(), prefix)

    @pytest.mark.parametrize("tenant", ["", "../other", "not-a-uuid", "a/b"])
    def test_invalid_tenant_ids_are_refused(self, service: Any, tenant: str) -> None:
        with pytest.raises((ValueError, TypeError)):
            service.save(tenant, "a.txt", b"x")

    def test_tenant_id_forms_name_the_same_tenant(self, service: Any) -> None:
        tenant = new_tenant()
        service.save(tenant, "a.txt", b"x")
        assert service.read(str(tenant), "a.txt") == b"x"
        assert service.read(str(tenant).upper(), "a.txt") == b"x"

    def test_same_key_in_two_tenants_is_two_objects(self, service: Any) -> None:
        a, b = new_tenant(), new_tenant()
        service.save(a, "logo.png", b"A")
        service.save(b, "logo.png", b"B")
        assert service.read(a, "logo.png") == b"A"
        assert service.read(b, "logo.png") == b"B"
        service.delete(b, "logo.png")
        assert service.read(a, "logo.png") == b"A"

    def test_tenant_cannot_reach_another_tenants_objects(self, service: Any) -> None:
        a, b = new_tenant(), new_tenant()
        service.save(a, "private/grades.csv", b"secret")
        assert not service.exists(b, "private/grades.csv")
        with pytest.raises(KeyError):
            service.read(b, "private/grades.csv")
        assert service.list(b) == []
        service.delete(b, "private/grades.csv")
        assert service.read(a, "private/grades.csv") == b"secret"
        # Naming the other tenant in the key is just a (missing) key of one's own.
        with pytest.raises(KeyError):
            service.read(b, f"{a}/private/grades.csv")
        with pytest.raises(InvalidStorageKey):
            service.read(b, f"../{a}/private/grades.csv")

    def test_failed_save_keeps_previous_version(self, service: Any) -> None:
        tenant = new_tenant()
        service.save(tenant, "a.txt", b"old")

        class Exploding(io.RawIOBase):
            calls = 0

            def readable(self) -> bool:
                return True

            def read(self, size: int = -1) -> bytes:
                self.calls += 1
                if self.calls > 1:
                    raise OSError("disk on fire")
                return b"new-partial"

        with pytest.raises(OSError, match="disk on fire"):
            service.save(tenant, "a.txt", Exploding())
        assert service.read(tenant, "a.txt") == b"old"
        assert service.list(tenant) == ["a.txt"]

    def test_readers_never_see_partial_writes(self, service: Any) -> None:
        tenant = new_tenant()
        size = 256 * 1024
        versions = [b"a" * size, b"b" * (size + 1)]
        service.save(tenant, "blob", versions[0])
        errors: list[str] = []
        done = threading.Event()

        def write() -> None:
            try:
                for i in range(40):
                    service.save(tenant, "blob", versions[i % 2])
            finally:
                done.set()

        def read() -> None:
            while not done.is_set():
                data = service.read(tenant, "blob")
                if data not in versions:
                    errors.append(f"partial read of {len(data)} bytes")
                    return

        threads = [threading.Thread(target=write)] + [
            threading.Thread(target=read) for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert service.list(tenant) == ["blob"]

    def test_local_path_when_the_back_end_has_one(self, service: Any) -> None:
        tenant = new_tenant()
        service.save(tenant, "video/raw.mp4", b"frames")
        path = service.local_path(tenant, "video/raw.mp4")
        if path is None:
            pytest.skip("this back end has no local paths")
        with open(path, "rb") as f:
            assert f.read() == b"frames"

    def test_symlinks_out_of_the_tenant_are_not_followed(self, service: Any, tmp_path: Any) -> None:
        tenant = new_tenant()
        service.save(tenant, "anchor.txt", b"x")
        path = service.local_path(tenant, "anchor.txt")
        if path is None:
            pytest.skip("this back end has no local paths, hence no symlinks")
        tenant_dir = os.path.dirname(path)
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "secret.txt").write_bytes(b"secret")
        os.symlink(outside, os.path.join(tenant_dir, "linkdir"))
        os.symlink(outside / "secret.txt", os.path.join(tenant_dir, "linkfile"))

        for key in ("linkdir/secret.txt", "linkfile"):
            with pytest.raises((InvalidStorageKey, KeyError)):
                service.read(tenant, key)
            with pytest.raises((InvalidStorageKey, KeyError)):
                service.size(tenant, key)
            try:
                assert not service.exists(tenant, key)
            except InvalidStorageKey:
                pass
            with pytest.raises(InvalidStorageKey):
                service.save(tenant, key, b"overwritten")
            try:
                service.delete(tenant, key)
            except InvalidStorageKey:
                pass
        with pytest.raises(InvalidStorageKey):
            service.save(tenant, "linkdir/new.txt", b"planted")
        assert sorted(os.listdir(outside)) == ["secret.txt"]
        assert (outside / "secret.txt").read_bytes() == b"secret"
        assert service.list(tenant) == ["anchor.txt"]

    def test_check_writable(self, service: Any) -> None:
        service.check_writable()


# -- search -----------------------------------------------------------------------

COURSES = [
    {
        "id": "py",
        "type": "course",
        "title": "Python for beginners",
        "body": "Variables, loops and functions explained slowly.",
        "slug": "python-for-beginners",
    },
    {
        "id": "cook",
        "type": "course",
        "title": "Italian cooking",
        "body": "Pasta and risotto. No python snakes were harmed.",
        "slug": "italian-cooking",
    },
    {
        "id": "loops",
        "type": "lesson",
        "title": "Loops in depth",
        "body": "for and while loops with python examples",
        "course": "py",
    },
    {"id": "cafe", "type": "lesson", "title": "Caf\u00e9 culture", "body": "Espresso, latte."},
]

ODD_QUERIES = [
    "",
    "   ",
    "AND",
    "OR",
    "NOT",
    '"',
    '"python',
    "*",
    "?",
    "title:(",
    "id:py",
    "(",
    ")",
    "[",
    "[a TO",
    "{}",
    "^",
    "~",
    "python^",
    "python~",
    "-",
    "+",
    "\\",
    "\x00",
    "::",
    "python AND",
    "AND OR NOT",
    "'",
    "%",
    "<script>",
    "a" * 500,
    "\U0001f600",
]


class SearchIndexContract:
    """Contract of :class:`learninghub.interfaces.ISearchIndex`. Fixture: ``service``."""

    @staticmethod
    def ids(result: dict[str, Any]) -> list[str]:
        return [hit["id"] for hit in result["hits"]]

    def test_provides_interface(self, service: Any) -> None:
        assert verifyObject(ISearchIndex, service)

    def test_search_returns_stored_fields_and_extras(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        result = service.search(tenant, "beginners")
        assert result["total"] == 1
        (hit,) = result["hits"]
        assert hit["id"] == "py"
        assert hit["type"] == "course"
        assert hit["title"] == "Python for beginners"
        assert hit["slug"] == "python-for-beginners"
        assert isinstance(hit["score"], float) and hit["score"] > 0

    def test_title_matches_rank_above_body_matches(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        result = service.search(tenant, "python")
        assert result["total"] == 3
        assert result["hits"][0]["id"] == "py"
        assert set(self.ids(result)) == {"py", "cook", "loops"}
        scores = [hit["score"] for hit in result["hits"]]
        assert scores == sorted(scores, reverse=True)

    def test_every_word_counts_more_than_one(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        assert self.ids(service.search(tenant, "python loops"))[0] in ("loops", "py")
        assert set(self.ids(service.search(tenant, "risotto espresso"))) == {"cook", "cafe"}

    def test_filter_by_type(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        assert set(self.ids(service.search(tenant, "python", types=["lesson"]))) == {"loops"}
        assert service.search(tenant, "python", types=["lesson"])["total"] == 1
        assert service.search(tenant, "python", types=["quiz"])["total"] == 0
        assert service.search(tenant, "python", types=[])["total"] == 0

    def test_limit_and_offset(self, service: Any) -> None:
        tenant = new_tenant()
        # The word is in the title only, the body only, or both: the total counts each once.
        docs = [
            {
                "id": f"d{i}",
                "type": "page",
                "title": f"page {i}" + (" common" if i % 3 != 1 else ""),
                "body": "word " * i + ("common" if i % 3 != 0 else ""),
            }
            for i in range(25)
        ]
        service.index(tenant, docs)
        first = service.search(tenant, "common", limit=10)
        second = service.search(tenant, "common", limit=10, offset=10)
        last = service.search(tenant, "common", limit=10, offset=20)
        assert first["total"] == second["total"] == last["total"] == 25
        assert len(first["hits"]) == len(second["hits"]) == 10
        assert len(last["hits"]) == 5
        seen = self.ids(first) + self.ids(second) + self.ids(last)
        assert sorted(seen) == sorted(d["id"] for d in docs)

    def test_index_replaces_documents_with_the_same_id(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        service.index(tenant, [{"id": "py", "type": "course", "title": "Rust for beginners"}])
        assert "py" not in self.ids(service.search(tenant, "python"))
        assert self.ids(service.search(tenant, "rust")) == ["py"]

    def test_repeated_updates_never_duplicate(self, service: Any) -> None:
        tenant = new_tenant()
        for version in range(15):
            service.index(tenant, [{"id": "doc", "type": "page", "title": f"draft v{version}"}])
            service.index(tenant, [{"id": f"other{version}", "type": "page", "title": "draft"}])
            result = service.search(tenant, "draft", types=["page"], limit=100)
            assert self.ids(result).count("doc") == 1
            assert result["total"] == version + 2

    def test_delete_and_clear(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        service.delete(tenant, ["py", "no-such-id"])
        assert set(self.ids(service.search(tenant, "python"))) == {"cook", "loops"}
        service.clear(tenant)
        assert service.search(tenant, "python")["total"] == 0
        service.index(tenant, COURSES[:1])
        assert self.ids(service.search(tenant, "python")) == ["py"]

    def test_unknown_tenant_has_no_results(self, service: Any) -> None:
        tenant = new_tenant()
        assert service.search(tenant, "python") == {"total": 0, "hits": []}
        service.delete(tenant, ["x"])
        service.clear(tenant)

    def test_tenants_are_isolated(self, service: Any) -> None:
        a, b = new_tenant(), new_tenant()
        service.index(a, COURSES)
        assert service.search(b, "python")["total"] == 0
        assert service.search(b, "*")["total"] == 0
        service.delete(b, ["py", "cook", "loops"])
        service.clear(b)
        assert service.search(a, "python")["total"] == 3
        service.index(b, [{"id": "py", "type": "course", "title": "Python for tenant B"}])
        assert service.search(a, "tenant")["total"] == 0
        assert service.search(b, "python")["hits"][0]["title"] == "Python for tenant B"
        assert service.search(a, "python")["hits"][0]["title"] == "Python for beginners"

    def test_documents_need_an_id(self, service: Any) -> None:
        with pytest.raises((ValueError, TypeError, KeyError)):
            service.index(new_tenant(), [{"type": "page", "title": "no id"}])

    @pytest.mark.parametrize("query", ODD_QUERIES)
    def test_odd_queries_do_not_raise(self, service: Any, query: str) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        result = service.search(tenant, query, limit=5)
        assert isinstance(result["total"], int)
        assert len(result["hits"]) <= 5
        assert all({"id", "type", "title", "score"} <= set(hit) for hit in result["hits"])

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(query=st.text(max_size=40))
    def test_any_text_is_a_valid_query(self, service: Any, query: str) -> None:
        # Index once, not per example: Hypothesis reseeds the global ``random`` for each
        # example, and Whoosh draws its segment names from it.
        tenant = uuid.UUID(int=0x5EA7C4)
        if service.search(tenant, "python")["total"] == 0:
            service.index(tenant, COURSES)
        result = service.search(tenant, query)
        assert 0 <= len(result["hits"]) <= result["total"]

    def test_non_ascii_text(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        assert self.ids(service.search(tenant, "caf\u00e9")) == ["cafe"]

    def test_concurrent_indexing_and_searching(self, service: Any) -> None:
        tenant = new_tenant()
        service.index(tenant, COURSES)
        errors: list[BaseException] = []

        def run(fn: Callable[[], Any]) -> None:
            try:
                for _ in range(15):
                    fn()
            except BaseException as exc:  # noqa: B036 - reported below
                errors.append(exc)

        counter = iter(range(10**6))

        def write() -> None:
            n = next(counter)
            service.index(tenant, [{"id": f"w{n}", "type": "page", "title": "python extra"}])

        threads = [threading.Thread(target=run, args=(write,)) for _ in range(2)]
        threads += [
            threading.Thread(target=run, args=(lambda: service.search(tenant, "python"),))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert service.search(tenant, "extra")["total"] == 30


# -- mail -------------------------------------------------------------------------


def make_message(
    subject: str = "Welcome", to: str = "learner@example.org", **headers: str
) -> EmailMessage:
    """Return a small message for mailer tests."""
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"Body of {subject}\n")
    return message


class _FailingDataManager:
    """Joins a transaction and makes its commit fail at the vote."""

    def __init__(self, tm: Any) -> None:
        self.transaction_manager = tm

    def abort(self, txn: Any) -> None:
        pass

    def tpc_begin(self, txn: Any) -> None:
        pass

    def commit(self, txn: Any) -> None:
        pass

    def tpc_vote(self, txn: Any) -> None:
        raise RuntimeError("database said no")

    def tpc_finish(self, txn: Any) -> None:
        pass

    def tpc_abort(self, txn: Any) -> None:
        pass

    def sortKey(self) -> str:
        return "zz-failing"


class MailerContract(abc.ABC):
    """Contract of :class:`learninghub.interfaces.IMailer`.

    Fixture: ``service``. Hook: :meth:`delivered` returns what reached the outside."""

    @abc.abstractmethod
    def delivered(self, service: Any) -> list[EmailMessage]:
        """Return the messages delivered so far by ``service``, oldest first."""

    def subjects(self, service: Any) -> list[str]:
        return sorted(str(m["Subject"]) for m in self.delivered(service))

    def test_provides_interface(self, service: Any) -> None:
        assert verifyObject(IMailer, service)

    def test_send_immediately(self, service: Any) -> None:
        service.send_immediately(make_message("Hello", to="Ada <ada@example.org>"))
        (message,) = self.delivered(service)
        assert message["Subject"] == "Hello"
        assert message["To"].addresses[0].addr_spec == "ada@example.org"
        assert message["From"]  # the default sender
        assert message["Message-ID"] and message["Date"]
        assert message.get_content() == "Body of Hello\n"

    def test_explicit_from_is_kept(self, service: Any) -> None:
        service.send_immediately(make_message(From="School <office@school.example>"))
        assert self.delivered(service)[0]["From"].addresses[0].addr_spec == "office@school.example"

    def test_send_waits_for_commit(self, service: Any) -> None:
        tm = transaction.TransactionManager(explicit=True)
        with tm:
            service.send(make_message("First"), tm)
            service.send(make_message("Second"), tm)
            assert self.delivered(service) == []
        assert self.subjects(service) == ["First", "Second"]

    def test_abort_sends_nothing(self, service: Any) -> None:
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        service.send(make_message("Never"), tm)
        tm.abort()
        tm.begin()
        tm.commit()
        assert self.delivered(service) == []

    def test_failed_commit_sends_nothing(self, service: Any) -> None:
        tm = transaction.TransactionManager(explicit=True)
        txn = tm.begin()
        txn.join(_FailingDataManager(tm))
        service.send(make_message("Never"), tm)
        with pytest.raises(RuntimeError, match="database said no"):
            tm.commit()
        tm.abort()
        assert self.delivered(service) == []

    def test_default_transaction_manager(self, service: Any) -> None:
        transaction.manager.begin()
        try:
            service.send(make_message("Threadlocal"))
            assert self.delivered(service) == []
            transaction.manager.commit()
        finally:
            transaction.manager.abort()
        assert self.subjects(service) == ["Threadlocal"]

    def test_message_is_frozen_when_queued(self, service: Any) -> None:
        tm = transaction.TransactionManager(explicit=True)
        message = make_message("Original")
        with tm:
            service.send(message, tm)
            message.replace_header("Subject", "Changed later")
        assert self.subjects(service) == ["Original"]
        assert message["From"] is None  # the caller's object is left alone

    def test_non_ascii_content(self, service: Any) -> None:
        message = make_message(
            "R\u00e9sum\u00e9 \u2014 \u5b66\u4e60", to="Zo\u00eb <zoe@example.org>"
        )
        message.set_content("Bonjour \u00e0 tous \u2713\n")
        service.send_immediately(message)
        (received,) = self.delivered(service)
        assert received["Subject"] == "R\u00e9sum\u00e9 \u2014 \u5b66\u4e60"
        assert received.get_content() == "Bonjour \u00e0 tous \u2713\n"

    def test_message_without_recipient_is_refused(self, service: Any) -> None:
        message = EmailMessage()
        message["Subject"] = "Nobody"
        message.set_content("x")
        with pytest.raises(ValueError):
            service.send_immediately(message)
        tm = transaction.TransactionManager(explicit=True)
        with tm:
            with pytest.raises(ValueError):
                service.send(message, tm)
        assert self.delivered(service) == []

    def test_concurrent_sends(self, service: Any) -> None:
        threads = [
            threading.Thread(target=service.send_immediately, args=(make_message(f"m{i:02}"),))
            for i in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert self.subjects(service) == [f"m{i:02}" for i in range(12)]


# -- cache ------------------------------------------------------------------------


class CacheContract:
    """Contract of :class:`learninghub.interfaces.ICache`. Fixture: ``service``.

    Hooks: ``short_ttl`` (seconds used by expiry tests), :meth:`elapse`, and
    ``controls_time`` (True when :meth:`elapse` moves an injected clock)."""

    short_ttl: float = 1.0
    controls_time: bool = False

    def elapse(self, seconds: float, until: Callable[[], bool]) -> None:
        """Let ``seconds`` pass. Default: poll ``until`` in real time, at most
        ``seconds`` + 1.5 s (Redis expires keys on its own clock)."""
        wait_until(until, timeout=seconds + 1.5)

    def test_provides_interface(self, service: Any) -> None:
        assert verifyObject(ICache, service)

    def test_get_default(self, service: Any) -> None:
        tenant = new_tenant()
        assert service.get(tenant, "missing") is None
        assert service.get(tenant, "missing", default=42) == 42

    @pytest.mark.parametrize(
        "value", [0, 7, -3, 2.5, "text", "caf\u00e9", True, False, [1, "a"], {"a": {"b": [1, 2]}}]
    )
    def test_json_values_round_trip(self, service: Any, value: Any) -> None:
        tenant = new_tenant()
        service.set(tenant, "k", value)
        assert service.get(tenant, "k") == value
        assert type(service.get(tenant, "k")) is type(value)

    def test_non_json_values_are_refused(self, service: Any) -> None:
        with pytest.raises(TypeError):
            service.set(new_tenant(), "k", object())

    def test_returned_values_are_copies(self, service: Any) -> None:
        tenant = new_tenant()
        value = {"items": [1]}
        service.set(tenant, "k", value)
        value["items"].append(2)
        service.get(tenant, "k")["items"].append(3)
        assert service.get(tenant, "k") == {"items": [1]}

    def test_get_many(self, service: Any) -> None:
        tenant, other = new_tenant(), new_tenant()
        service.set(tenant, "a", 1)
        service.incr(tenant, "b")
        service.set(other, "c", "other tenant")
        assert service.get_many(tenant, ["a", "missing", "b", "c"]) == [1, None, 1, None]
        assert service.get_many(tenant, ["missing"], default=0) == [0]
        assert service.get_many(tenant, []) == []
        with pytest.raises(ValueError):
            service.get_many(tenant, ["a", ""])

    def test_overwrite_and_delete(self, service: Any) -> None:
        tenant = new_tenant()
        service.set(tenant, "k", "one")
        service.set(tenant, "k", "two")
        assert service.get(tenant, "k") == "two"
        service.delete(tenant, "k")
        assert service.get(tenant, "k") is None
        service.delete(tenant, "k")  # deleting a missing key is fine

    def test_tenants_and_instance_values_are_isolated(self, service: Any) -> None:
        a, b = new_tenant(), new_tenant()
        key = f"settings-{uuid.uuid4()}"
        service.set(a, key, "a")
        service.set(b, key, "b")
        service.set(None, key, "instance")
        assert service.get(a, key) == "a"
        assert service.get(str(a), key) == "a"
        assert service.get(b, key) == "b"
        assert service.get(None, key) == "instance"
        service.delete(b, key)
        assert service.get(a, key) == "a"
        assert service.get(None, key) == "instance"
        assert service.incr(a, "hits") == 1
        assert service.incr(b, "hits") == 1
        assert service.get(b, f"{a}:hits") is None
        service.delete(None, key)

    def test_keys_with_separators_do_not_collide(self, service: Any) -> None:
        a = new_tenant()
        key = f"{uuid.uuid4()}"
        service.set(None, f"{a}:{key}", "crafted")
        assert service.get(a, key) is None
        service.delete(None, f"{a}:{key}")

    def test_invalid_tenant_and_key(self, service: Any) -> None:
        with pytest.raises((ValueError, TypeError)):
            service.set("../other", "k", 1)
        with pytest.raises((ValueError, TypeError)):
            service.set(new_tenant(), "", 1)
        with pytest.raises(ValueError):
            service.set(new_tenant(), "k", 1, ttl=0)
        with pytest.raises(ValueError):
            service.set(new_tenant(), "k", 1, ttl=-5)

    def test_ttl_expires_values(self, service: Any) -> None:
        tenant = new_tenant()
        service.set(tenant, "short", "v", ttl=self.short_ttl)
        service.set(tenant, "forever", "v")
        assert service.get(tenant, "short") == "v"
        self.elapse(self.short_ttl, until=lambda: service.get(tenant, "short") is None)
        assert service.get(tenant, "short") is None
        assert service.get(tenant, "forever") == "v"

    def test_incr(self, service: Any) -> None:
        tenant = new_tenant()
        assert service.incr(tenant, "n") == 1
        assert service.incr(tenant, "n") == 2
        assert service.incr(tenant, "n", 10) == 12
        assert service.incr(tenant, "n", -20) == -8
        assert service.get(tenant, "n") == -8
        assert service.incr(tenant, "other", 5) == 5
        service.set(tenant, "preset", 40)
        assert service.incr(tenant, "preset", 2) == 42

    def test_incr_refuses_non_integers(self, service: Any) -> None:
        tenant = new_tenant()
        service.set(tenant, "s", "text")
        with pytest.raises(ValueError):
            service.incr(tenant, "s")
        with pytest.raises(TypeError):
            service.incr(tenant, "n", 1.5)
        assert service.get(tenant, "s") == "text"

    def test_incr_ttl_opens_a_window(self, service: Any) -> None:
        tenant = new_tenant()
        assert service.incr(tenant, "window", ttl=self.short_ttl) == 1
        assert service.incr(tenant, "window", ttl=self.short_ttl) == 2
        self.elapse(self.short_ttl, until=lambda: service.get(tenant, "window") is None)
        assert service.get(tenant, "window") is None
        assert service.incr(tenant, "window", ttl=self.short_ttl) == 1

    def test_incr_ttl_is_not_extended_by_later_increments(self, service: Any) -> None:
        if not self.controls_time:
            pytest.skip("needs an injected clock; real-time back ends would need fixed sleeps")
        tenant = new_tenant()
        service.incr(tenant, "window", ttl=10)
        self.elapse(6, until=lambda: False)
        assert service.incr(tenant, "window", ttl=10) == 2
        self.elapse(5, until=lambda: False)
        assert service.get(tenant, "window") is None

    def test_incr_is_atomic_across_threads(self, service: Any) -> None:
        tenant = new_tenant()
        results: list[int] = []
        lock = threading.Lock()

        def work() -> None:
            mine = [service.incr(tenant, "counter", ttl=60) for _ in range(100)]
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == list(range(1, 801))
        assert service.get(tenant, "counter") == 800

    def test_ping(self, service: Any) -> None:
        service.ping()


# -- events -----------------------------------------------------------------------


class _Inbox:
    """Collects messages delivered to a callback (possibly from another thread)."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, message: Any) -> None:
        with self._lock:
            self.messages.append(message)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Any]:
        wait_until(lambda: len(self.messages) >= count, timeout)
        with self._lock:
            return list(self.messages)


class EventTransportContract:
    """Contract of :class:`learninghub.interfaces.IEventTransport`.

    Fixture: ``service``. Hook: :meth:`peer` returns a transport of another node on the
    same bus (the service itself for in-process transports)."""

    def peer(self, service: Any) -> Any:
        return service

    def test_provides_interface(self, service: Any) -> None:
        assert verifyObject(IEventTransport, service)

    def test_publish_reaches_subscribers_in_order(self, service: Any) -> None:
        tenant = new_tenant()
        inbox = _Inbox()
        subscription = service.subscribe(tenant, "chat", inbox)
        try:
            payloads = [{"n": i, "text": "caf\u00e9", "tags": ["a", None, 1.5]} for i in range(5)]
            for payload in payloads:
                service.publish(str(tenant), "chat", payload)
            assert inbox.wait_for(5) == payloads
        finally:
            subscription.close()

    def test_every_subscriber_gets_the_message(self, service: Any) -> None:
        tenant = new_tenant()
        inboxes = [_Inbox() for _ in range(3)]
        subscriptions = [service.subscribe(tenant, "room", inbox) for inbox in inboxes]
        try:
            service.publish(tenant, "room", "hello")
            for inbox in inboxes:
                assert inbox.wait_for(1) == ["hello"]
        finally:
            for subscription in subscriptions:
                subscription.close()

    def test_channels_and_tenants_are_isolated(self, service: Any) -> None:
        a, b = new_tenant(), new_tenant()
        inbox = _Inbox()
        subscription = service.subscribe(a, "chat", inbox)
        try:
            service.publish(b, "chat", "other tenant")
            service.publish(a, "chat-2", "other channel")
            service.publish(a, "cha", "prefix")
            service.publish(a, "chat", "mine")
            # Delivery is ordered: had the others leaked, they would have come first.
            assert inbox.wait_for(1) == ["mine"]
        finally:
            subscription.close()

    def test_closed_subscriptions_receive_nothing(self, service: Any) -> None:
        tenant = new_tenant()
        closed, open_ = _Inbox(), _Inbox()
        subscription = service.subscribe(tenant, "news", closed)
        witness = service.subscribe(tenant, "news", open_)
        try:
            service.publish(tenant, "news", 1)
            assert closed.wait_for(1) == [1]
            subscription.close()
            subscription.close()
            service.publish(tenant, "news", 2)
            assert open_.wait_for(2) == [1, 2]
            assert closed.messages == [1]
        finally:
            witness.close()

    def test_failing_callback_is_isolated(self, service: Any, caplog: Any) -> None:
        tenant = new_tenant()
        inbox = _Inbox()

        def explode(message: Any) -> None:
            raise RuntimeError(f"subscriber bug on {message}")

        bad = service.subscribe(tenant, "alerts", explode)
        good = service.subscribe(tenant, "alerts", inbox)
        try:
            with caplog.at_level(logging.ERROR):
                service.publish(tenant, "alerts", "first")
                service.publish(tenant, "alerts", "second")
                assert inbox.wait_for(2) == ["first", "second"]
                assert wait_until(lambda: "subscriber bug" in caplog.text)
        finally:
            bad.close()
            good.close()

    def test_messages_from_another_node(self, service: Any) -> None:
        tenant = new_tenant()
        inbox = _Inbox()
        subscription = service.subscribe(tenant, "presence", inbox)
        try:
            self.peer(service).publish(tenant, "presence", {"user": "ada", "online": True})
            assert inbox.wait_for(1) == [{"user": "ada", "online": True}]
        finally:
            subscription.close()

    def test_publish_without_subscribers(self, service: Any) -> None:
        service.publish(new_tenant(), "nobody-listens", {"x": 1})

    def test_invalid_input(self, service: Any) -> None:
        with pytest.raises(TypeError):
            service.publish(new_tenant(), "chat", object())
        with pytest.raises((ValueError, TypeError)):
            service.publish("../all", "chat", 1)
        with pytest.raises(ValueError):
            service.publish(new_tenant(), "", 1)

    def test_ping(self, service: Any) -> None:
        service.ping()


# -- rate limiter -----------------------------------------------------------------

#: A period long enough that no token refills while a test runs in real time.
SLOW_PERIOD = 3600.0
#: Float slack in comparisons between two results of the same bucket.
EPSILON_S = 1e-6


class RateLimiterContract:
    """Contract of :class:`learninghub.interfaces.IRateLimiter`. Fixture: ``service``.

    Hooks: ``controls_time`` (True when :meth:`elapse` moves an injected clock, which
    enables exact timing checks), ``short_period`` (seconds of the bucket used by the
    refill tests: keep it small for real-time back ends), ``tolerance`` (seconds of
    clock drift allowed in ``retry_after``/``reset_after`` checks), :meth:`elapse`
    and :meth:`peer` (a limiter of another process sharing the store)."""

    controls_time: bool = False
    short_period: float = 0.4
    tolerance: float = 0.25

    def elapse(self, seconds: float, until: Callable[[], bool]) -> None:
        """Let ``seconds`` pass. Default: poll ``until`` in real time, at most
        ``seconds`` + 1.5 s (the store keeps time on its own clock)."""
        wait_until(until, timeout=seconds + 1.5)

    def peer(self, service: Any) -> Any:
        return service

    def test_provides_interface(self, service: Any) -> None:
        assert verifyObject(IRateLimiter, service)

    def test_burst_of_limit_then_refused(self, service: Any) -> None:
        tenant = new_tenant()
        results = [service.hit(tenant, "ip:1", 5, SLOW_PERIOD) for _ in range(6)]
        assert [r.allowed for r in results] == [True] * 5 + [False]
        assert [r.remaining for r in results] == [4, 3, 2, 1, 0, 0]
        assert {r.limit for r in results} == {5}
        assert all(r.retry_after == 0 for r in results[:5])
        interval = SLOW_PERIOD / 5
        refused = results[-1]
        assert interval - self.tolerance <= refused.retry_after <= interval
        assert SLOW_PERIOD - self.tolerance <= refused.reset_after <= SLOW_PERIOD
        first = results[0]
        assert interval - self.tolerance <= first.reset_after <= interval

    def test_tokens_refill_at_limit_per_period(self, service: Any) -> None:
        tenant = new_tenant()
        limit, period = 2, self.short_period
        interval = period / limit
        assert [service.hit(tenant, "k", limit, period).allowed for _ in range(3)] == [
            True,
            True,
            False,
        ]
        if self.controls_time:
            self.elapse(interval / 2, until=lambda: False)
            refused = service.hit(tenant, "k", limit, period)
            assert not refused.allowed
            assert refused.retry_after == pytest.approx(interval / 2)
            self.elapse(interval / 2, until=lambda: False)
            refilled = service.hit(tenant, "k", limit, period)
        else:
            outcomes: list[Any] = []

            def poll() -> bool:
                outcomes.append(service.hit(tenant, "k", limit, period))
                return outcomes[-1].allowed

            self.elapse(interval, until=poll)
            refilled = outcomes[-1]
        assert refilled.allowed and refilled.remaining == 0
        # one token came back, not the whole bucket
        assert not service.hit(tenant, "k", limit, period).allowed

    def test_full_bucket_after_period(self, service: Any) -> None:
        tenant = new_tenant()
        limit, period = 3, self.short_period
        for _ in range(limit):
            assert service.hit(tenant, "k", limit, period).allowed
        self.elapse(period, until=lambda: service.hit(tenant, "k", limit, period, 0).remaining == 3)
        assert service.hit(tenant, "k", limit, period, cost=0).remaining == limit
        assert [service.hit(tenant, "k", limit, period).allowed for _ in range(4)] == [
            True,
            True,
            True,
            False,
        ]

    def test_refused_hits_take_nothing(self, service: Any) -> None:
        tenant = new_tenant()
        limit, period = 2, self.short_period
        for _ in range(limit):
            service.hit(tenant, "k", limit, period)
        first = service.hit(tenant, "k", limit, period)
        for _ in range(20):
            again = service.hit(tenant, "k", limit, period)
            assert not again.allowed
            assert again.retry_after <= first.retry_after + EPSILON_S

    def test_reset_after_is_time_until_full(self, service: Any) -> None:
        tenant = new_tenant()
        for _ in range(3):
            last = service.hit(tenant, "k", 10, SLOW_PERIOD)
        assert last.remaining == 7
        assert 3 * SLOW_PERIOD / 10 - self.tolerance <= last.reset_after <= 3 * SLOW_PERIOD / 10

    def test_cost(self, service: Any) -> None:
        tenant = new_tenant()
        assert service.hit(tenant, "k", 10, SLOW_PERIOD, cost=4).remaining == 6
        refused = service.hit(tenant, "k", 10, SLOW_PERIOD, cost=7)
        assert not refused.allowed and refused.remaining == 6
        interval = SLOW_PERIOD / 10
        assert interval - self.tolerance <= refused.retry_after <= interval
        peek = service.hit(tenant, "k", 10, SLOW_PERIOD, cost=0)
        assert peek.allowed and peek.remaining == 6 and peek.retry_after == 0
        assert service.hit(tenant, "k", 10, SLOW_PERIOD, cost=6).allowed
        assert not service.hit(tenant, "k", 10, SLOW_PERIOD).allowed

    def test_fresh_bucket_is_full(self, service: Any) -> None:
        fresh = service.hit(new_tenant(), "k", 7, SLOW_PERIOD, cost=0)
        assert fresh.allowed and fresh.remaining == 7
        assert fresh.reset_after == 0 and fresh.retry_after == 0

    def test_tenants_and_keys_are_isolated(self, service: Any) -> None:
        a, b = new_tenant(), new_tenant()
        key = f"ip:{uuid.uuid4().hex}"
        assert service.hit(a, key, 1, SLOW_PERIOD).allowed
        assert not service.hit(a, key, 1, SLOW_PERIOD).allowed
        assert not service.hit(str(a).upper(), key, 1, SLOW_PERIOD).allowed  # same tenant
        assert service.hit(b, key, 1, SLOW_PERIOD).allowed
        assert service.hit(None, key, 1, SLOW_PERIOD).allowed
        assert service.hit(a, key + "x", 1, SLOW_PERIOD).allowed
        assert service.hit(a, key[:-1], 1, SLOW_PERIOD).allowed
        # a key naming another tenant is just a key of one's own
        assert service.hit(None, f"{a}:{key}", 1, SLOW_PERIOD).allowed
        assert not service.hit(b, key, 1, SLOW_PERIOD).allowed
        service.reset(None, key)
        service.reset(None, f"{a}:{key}")

    def test_reset(self, service: Any) -> None:
        tenant = new_tenant()
        service.hit(tenant, "k", 1, SLOW_PERIOD)
        service.hit(tenant, "other", 1, SLOW_PERIOD)
        assert not service.hit(tenant, "k", 1, SLOW_PERIOD).allowed
        service.reset(tenant, "k")
        assert service.hit(tenant, "k", 1, SLOW_PERIOD).allowed
        assert not service.hit(tenant, "other", 1, SLOW_PERIOD).allowed
        service.reset(tenant, "never-used")  # not an error

    @pytest.mark.parametrize(
        "args",
        [
            ("", 1, 60, 1),
            ("k", 0, 60, 1),
            ("k", -1, 60, 1),
            ("k", 1.5, 60, 1),
            ("k", True, 60, 1),
            ("k", 5, 0, 1),
            ("k", 5, -60, 1),
            ("k", 5, float("inf"), 1),
            ("k", 5, "60", 1),
            ("k", 5, 60, 6),
            ("k", 5, 60, -1),
            ("k", 5, 60, 1.0),
        ],
    )
    def test_invalid_arguments(self, service: Any, args: tuple[Any, ...]) -> None:
        with pytest.raises((ValueError, TypeError)):
            service.hit(new_tenant(), *args)

    def test_invalid_tenant(self, service: Any) -> None:
        with pytest.raises((ValueError, TypeError)):
            service.hit("../other", "k", 1, 60)

    def test_concurrent_hits_never_exceed_the_limit(self, service: Any) -> None:
        tenant = new_tenant()
        allowed: list[bool] = []
        lock = threading.Lock()
        start = threading.Barrier(8)

        def work() -> None:
            start.wait()
            mine = [service.hit(tenant, "hot", 50, SLOW_PERIOD).allowed for _ in range(25)]
            with lock:
                allowed.extend(mine)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(allowed) == 200
        assert allowed.count(True) == 50

    def test_processes_share_buckets(self, service: Any) -> None:
        tenant = new_tenant()
        other = self.peer(service)
        outcomes = [
            (service if n % 2 else other).hit(tenant, "shared", 6, SLOW_PERIOD).allowed
            for n in range(10)
        ]
        assert outcomes.count(True) == 6 and outcomes[:6] == [True] * 6

    def test_ping(self, service: Any) -> None:
        service.ping()
