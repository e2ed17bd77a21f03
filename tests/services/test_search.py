"""WhooshSearchIndex against the ISearchIndex contract."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from learninghub.errors import ConfigurationError
from learninghub.services.search import WhooshSearchIndex, factory
from learninghub.testing.contracts import SearchIndexContract


class TestWhooshSearchIndex(SearchIndexContract):
    @pytest.fixture
    def service(self, tmp_path: Path) -> Iterator[WhooshSearchIndex]:
        index = WhooshSearchIndex(tmp_path / "search")
        yield index
        index.close()

    def test_one_directory_per_tenant(self, service: WhooshSearchIndex) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()
        service.index(a, [{"id": "1", "type": "page", "title": "x"}])
        service.index(b, [{"id": "1", "type": "page", "title": "x"}])
        assert sorted(p.name for p in Path(service.root).iterdir()) == sorted([str(a), str(b)])

    def test_sees_writes_of_another_process(self, tmp_path: Path) -> None:
        # Two instances on one directory stand for the web process and a task worker.
        web, worker = WhooshSearchIndex(tmp_path / "s"), WhooshSearchIndex(tmp_path / "s")
        tenant = uuid.uuid4()
        worker.index(tenant, [{"id": "1", "type": "page", "title": "first"}])
        assert web.search(tenant, "first")["total"] == 1
        worker.index(tenant, [{"id": "1", "type": "page", "title": "second"}])
        assert web.search(tenant, "first")["total"] == 0
        assert web.search(tenant, "second")["total"] == 1
        web.close()
        worker.close()

    def test_evicted_tenants_still_work(self, tmp_path: Path) -> None:
        index = WhooshSearchIndex(tmp_path / "s", max_open=2)
        tenants = [uuid.uuid4() for _ in range(5)]
        for n, tenant in enumerate(tenants):
            index.index(tenant, [{"id": "1", "type": "page", "title": f"tenant{n}"}])
        for n, tenant in enumerate(tenants):
            assert index.search(tenant, f"tenant{n}")["total"] == 1
        assert len(index._tenants) == 2
        index.close()


def test_factory(tmp_path: Path) -> None:
    index = factory({"search.path": str(tmp_path / "idx")})
    assert isinstance(index, WhooshSearchIndex)
    assert index.root == str(tmp_path / "idx")


def test_factory_unusable_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="search.path"):
        factory({"search.path": str(tmp_path / "file" / "sub")})


def test_factory_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="search.backend"):
        factory({"search.backend": "elasticsearch", "search.path": str(tmp_path)})
