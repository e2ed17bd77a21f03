"""LocalFileStorage against the IFileStorage contract."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from learninghub.errors import ConfigurationError, InvalidStorageKey
from learninghub.services.storage import LocalFileStorage, factory
from learninghub.testing.contracts import FileStorageContract


class TestLocalFileStorage(FileStorageContract):
    @pytest.fixture
    def service(self, tmp_path: Path) -> LocalFileStorage:
        return LocalFileStorage(tmp_path / "files")

    def test_layout_is_root_tenant_key(self, service: LocalFileStorage) -> None:
        tenant = uuid.uuid4()
        service.save(tenant, "a/b.txt", b"x")
        assert (Path(service.root) / str(tenant) / "a" / "b.txt").read_bytes() == b"x"

    def test_tenant_directory_linked_elsewhere_is_refused(
        self, service: LocalFileStorage, tmp_path: Path
    ) -> None:
        tenant = uuid.uuid4()
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (Path(service.root) / str(tenant)).symlink_to(elsewhere)
        with pytest.raises(InvalidStorageKey):
            service.save(tenant, "a.txt", b"x")
        assert service.list(tenant) == []
        assert list(elsewhere.iterdir()) == []

    def test_key_conflicting_with_a_directory(self, service: LocalFileStorage) -> None:
        tenant = uuid.uuid4()
        service.save(tenant, "a/b.txt", b"x")
        with pytest.raises(InvalidStorageKey):
            service.save(tenant, "a", b"x")
        with pytest.raises(InvalidStorageKey):
            service.save(tenant, "a/b.txt/c", b"x")
        with pytest.raises(KeyError):
            service.read(tenant, "a")
        assert service.list(tenant) == ["a/b.txt"]

    def test_check_writable_fails_when_root_is_unusable(self, tmp_path: Path) -> None:
        storage = LocalFileStorage(tmp_path / "root")
        (tmp_path / "root").rmdir()
        (tmp_path / "root").write_bytes(b"a file where the directory was")
        with pytest.raises(OSError):
            storage.check_writable()


def test_factory(tmp_path: Path) -> None:
    storage = factory({"storage.path": str(tmp_path / "store")})
    assert isinstance(storage, LocalFileStorage)
    assert storage.root == str(tmp_path / "store")


def test_factory_unusable_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="storage.path"):
        factory({"storage.path": str(tmp_path / "file" / "sub")})


def test_factory_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="storage.backend"):
        factory({"storage.backend": "s3", "storage.path": str(tmp_path)})
