"""Local filesystem implementation of :class:`learninghub.interfaces.IFileStorage`."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import uuid
from typing import IO, Any, BinaryIO

from zope.interface import implementer

from learninghub.errors import InvalidStorageKey
from learninghub.interfaces import IFileStorage
from learninghub.services import directory_backend, tenant_segment

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
# Temporary files start with a dot: no valid key can name them, list() skips them.
_TMP_PREFIX = ".tmp-"
_CHUNK = 1024 * 1024


def validate_key(key: str, *, allow_partial: bool = False) -> list[str]:
    """Return the segments of ``key`` or raise :class:`InvalidStorageKey`.

    With ``allow_partial`` (used for list prefixes) the key may be empty and its last
    segment may be empty (``"a/"``) or partial."""
    if not isinstance(key, str):
        raise InvalidStorageKey(f"storage key must be a str, not {type(key).__name__}")
    if key == "":
        if allow_partial:
            return []
        raise InvalidStorageKey("storage key is empty")
    if "\x00" in key or "\\" in key:
        raise InvalidStorageKey(f"storage key {key!r} contains a NUL byte or a backslash")
    if key.startswith("/"):
        raise InvalidStorageKey(f"storage key {key!r} is absolute")
    segments = key.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "" and allow_partial and last:
            continue
        if segment in ("", ".", ".."):
            raise InvalidStorageKey(f"storage key {key!r} has an empty, '.' or '..' segment")
        if segment.startswith("."):
            raise InvalidStorageKey(f"storage key {key!r} has a segment starting with '.'")
        if not _SEGMENT.fullmatch(segment):
            raise InvalidStorageKey(
                f"storage key {key!r} has characters outside [A-Za-z0-9._-] in {segment!r}"
            )
    return segments


@implementer(IFileStorage)
class LocalFileStorage:
    """Objects stored as files under ``<root>/<tenant_id>/<key>``.

    ``content_type`` is accepted and ignored: it is derived from the key's extension
    when the file is served. Thread-safe: every write goes to a private temporary file
    renamed over the target with :func:`os.replace`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.abspath(os.fspath(root))
        os.makedirs(self.root, exist_ok=True)

    # -- paths -------------------------------------------------------------------

    def _tenant_dir(self, tenant_id: uuid.UUID | str) -> str:
        return os.path.join(self.root, tenant_segment(tenant_id))

    def _confine(self, tenant_dir: str, path: str, key: str) -> str:
        """Return the resolved ``path``; raise when it escapes ``tenant_dir``.

        Symlinks are resolved: a link pointing outside the tenant directory (or a tenant
        directory that is itself a link elsewhere) makes the key unusable."""
        real_root = os.path.realpath(self.root)
        real_tenant = os.path.realpath(tenant_dir)
        if real_tenant != os.path.join(real_root, os.path.basename(tenant_dir)):
            raise InvalidStorageKey("the tenant directory resolves outside the storage root")
        real = os.path.realpath(path)
        if real != real_tenant and not real.startswith(real_tenant + os.sep):
            raise InvalidStorageKey(f"storage key {key!r} resolves outside the tenant directory")
        return real

    def _path(self, tenant_id: uuid.UUID | str, key: str) -> str:
        segments = validate_key(key)
        tenant_dir = self._tenant_dir(tenant_id)
        return self._confine(tenant_dir, os.path.join(tenant_dir, *segments), key)

    # -- IFileStorage ------------------------------------------------------------

    def save(
        self,
        tenant_id: uuid.UUID | str,
        key: str,
        data: bytes | bytearray | memoryview | IO[bytes],
        content_type: str | None = None,
    ) -> int:
        """Store ``data`` atomically under ``key``; return the number of bytes written."""
        path = self._path(tenant_id, key)
        directory = os.path.dirname(path)
        try:
            os.makedirs(directory, exist_ok=True)
            # makedirs may have walked through a link created meanwhile: check again.
            self._path(tenant_id, key)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=directory)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidStorageKey(
                f"storage key {key!r} conflicts with an existing object"
            ) from exc
        try:
            with os.fdopen(fd, "wb") as out:
                written = _write(out, data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            try:
                os.replace(tmp, path)
            except IsADirectoryError as exc:
                raise InvalidStorageKey(f"storage key {key!r} names a directory") from exc
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return written

    def open(self, tenant_id: uuid.UUID | str, key: str) -> BinaryIO:
        """Return the object opened for binary reading; ``KeyError`` when missing."""
        path = self._path(tenant_id, key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise KeyError(key) from None
        try:
            if not _is_regular(fd):
                raise KeyError(key)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def read(self, tenant_id: uuid.UUID | str, key: str) -> bytes:
        """Return the whole object; ``KeyError`` when missing."""
        with self.open(tenant_id, key) as f:
            return f.read()

    def exists(self, tenant_id: uuid.UUID | str, key: str) -> bool:
        """Return True when ``key`` names a stored object."""
        return os.path.isfile(self._path(tenant_id, key))

    def delete(self, tenant_id: uuid.UUID | str, key: str) -> None:
        """Delete the object; a missing key is not an error."""
        segments = validate_key(key)
        tenant_dir = self._tenant_dir(tenant_id)
        # Unlink the name itself, not what a (confined) symlink points to.
        path = os.path.join(tenant_dir, *segments)
        self._confine(tenant_dir, path, key)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            if os.path.isdir(path) and not os.path.islink(path):
                return
            os.unlink(path)

    def list(self, tenant_id: uuid.UUID | str, prefix: str = "") -> list[str]:
        """Return the sorted keys of the tenant starting with ``prefix``."""
        segments = validate_key(prefix, allow_partial=True)
        tenant_dir = self._tenant_dir(tenant_id)
        # Walk only the deepest directory the prefix names completely.
        base_segments = segments[:-1] if segments else []
        start = os.path.join(tenant_dir, *base_segments)
        if not os.path.isdir(start):
            return []
        try:
            self._confine(tenant_dir, start, prefix)
        except InvalidStorageKey:
            return []
        real_tenant = os.path.realpath(tenant_dir)
        keys = []
        for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith("."):
                    continue
                full = os.path.join(dirpath, name)
                real = os.path.realpath(full)
                if not real.startswith(real_tenant + os.sep) or not os.path.isfile(real):
                    continue
                key = os.path.relpath(full, tenant_dir).replace(os.sep, "/")
                if key.startswith(prefix):
                    keys.append(key)
        keys.sort()
        return keys

    def size(self, tenant_id: uuid.UUID | str, key: str) -> int:
        """Return the object's size in bytes; ``KeyError`` when missing."""
        path = self._path(tenant_id, key)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(key) from None
        if not _is_regular_stat(st):
            raise KeyError(key)
        return st.st_size

    def local_path(self, tenant_id: uuid.UUID | str, key: str) -> str | None:
        """Return the object's filesystem path (it may not exist yet). Treat it as
        read-only: writing to it bypasses atomic replacement."""
        return self._path(tenant_id, key)

    def check_writable(self) -> None:
        """Write and delete a probe file in the root; raise ``OSError`` on failure."""
        os.makedirs(self.root, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=self.root)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)


def _write(out: IO[bytes], data: Any) -> int:
    if isinstance(data, (bytes, bytearray, memoryview)):
        out.write(data)
        return memoryview(data).nbytes
    if isinstance(data, str) or not hasattr(data, "read"):
        raise TypeError(f"data must be bytes or a binary file object, not {type(data).__name__}")
    written = 0
    while chunk := data.read(_CHUNK):
        if isinstance(chunk, str):
            raise TypeError("data must be opened in binary mode")
        out.write(chunk)
        written += len(chunk)
    return written


def _is_regular(fd: int) -> bool:
    return _is_regular_stat(os.fstat(fd))


def _is_regular_stat(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode)


def factory(settings: dict[str, Any]) -> LocalFileStorage:
    """Build the storage from ``storage.path`` (directory, default ``var/files``);
    ``storage.backend`` must be ``local``."""
    return directory_backend(
        settings, "storage.backend", "local", "storage.path", "var/files", LocalFileStorage
    )
