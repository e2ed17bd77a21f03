"""Whoosh implementation of :class:`learninghub.interfaces.ISearchIndex`.

One Whoosh index directory per tenant (``<root>/<tenant_id>``). Each tenant has a
write lock (Whoosh's own file lock still serialises writers of other processes, such
as task workers) and one long-lived searcher, reopened when the index generation
changes, whoever wrote it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from whoosh import fields, index, writing
from whoosh.analysis import CharsetFilter, StandardAnalyzer
from whoosh.qparser import MultifieldParser, OrGroup, plugins
from whoosh.query import NullQuery, Or, Query, Term
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map
from zope.interface import implementer

from learninghub.interfaces import ISearchIndex
from learninghub.services import directory_backend, tenant_segment

log = logging.getLogger(__name__)

_CORE_FIELDS = ("id", "type", "title", "body")
_SEARCH_FIELDS = ["title", "body"]
#: Seconds a writer waits for Whoosh's file lock held by another process.
WRITE_LOCK_TIMEOUT = 30.0


def make_schema() -> fields.Schema:
    """Return the schema of every tenant index."""
    # Language-neutral: no stop words or stemming, single letters kept, accents folded.
    analyzer = StandardAnalyzer(stoplist=None, minsize=1) | CharsetFilter(accent_map)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        type=fields.ID(stored=True),
        title=fields.TEXT(stored=True, field_boost=2.0, analyzer=analyzer),
        body=fields.TEXT(analyzer=analyzer),
        extra=fields.STORED,
    )


def make_parser(schema: fields.Schema) -> MultifieldParser:
    """Return the parser for user text: title and body, OR-ish, no ``field:`` syntax."""
    parser = MultifieldParser(_SEARCH_FIELDS, schema, group=OrGroup)
    # Internal fields (id, type) are not for users to query; type filtering is an argument.
    parser.remove_plugin_class(plugins.FieldsPlugin)
    return parser


def document_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """Map an ISearchIndex document to Whoosh fields (extras go to a JSON blob)."""
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError(f"search documents need a non-empty string 'id', got {doc_id!r}")
    extra = {k: v for k, v in document.items() if k not in _CORE_FIELDS}
    return {
        "id": doc_id,
        "type": str(document.get("type") or ""),
        "title": str(document.get("title") or ""),
        "body": str(document.get("body") or ""),
        "extra": json.dumps(extra, separators=(",", ":")) if extra else "",
    }


class _TenantIndex:
    """The open index of one tenant, its write lock and its shared searcher."""

    def __init__(self, ix: index.Index) -> None:
        self.ix = ix
        self.write_lock = threading.Lock()
        # Whoosh searchers and readers are not safe for concurrent use (shared file
        # positions), so searches of one tenant take turns; the GIL would serialise
        # this pure-Python work anyway.
        self.search_lock = threading.Lock()
        self._searcher: Searcher | None = None

    def searcher(self) -> Searcher:
        """Return an up-to-date searcher. Caller holds ``search_lock``."""
        current = self._searcher
        if current is not None and current.up_to_date():
            return current
        # Not ``current.refresh()``: in whoosh-reloaded 2.7.5 refresh() re-adds the
        # segments of the old reader, so merged-away segments (old versions of
        # updated documents) come back as duplicates.
        fresh = self.ix.searcher()
        if current is not None:
            current.close()
        self._searcher = fresh
        return fresh

    def close(self) -> None:
        with self.search_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


@implementer(ISearchIndex)
class WhooshSearchIndex:
    """Per-tenant Whoosh indexes under ``root``. Thread-safe.

    ``max_open`` bounds the number of tenants whose index and searcher stay open."""

    def __init__(self, root: str | os.PathLike[str], *, max_open: int = 128) -> None:
        self.root = os.path.abspath(os.fspath(root))
        os.makedirs(self.root, exist_ok=True)
        self.schema = make_schema()
        self._parser = make_parser(self.schema)
        self._max_open = max_open
        self._lock = threading.Lock()
        self._tenants: OrderedDict[str, _TenantIndex] = OrderedDict()

    # -- tenants -----------------------------------------------------------------

    def _tenant(self, tenant_id: uuid.UUID | str, *, create: bool) -> _TenantIndex | None:
        name = tenant_segment(tenant_id)
        evicted: list[_TenantIndex] = []
        with self._lock:
            state = self._tenants.get(name)
            if state is not None:
                self._tenants.move_to_end(name)
                return state
            path = os.path.join(self.root, name)
            if index.exists_in(path):
                ix = index.open_dir(path)
            elif create:
                os.makedirs(path, exist_ok=True)
                ix = index.create_in(path, self.schema)
            else:
                return None
            state = self._tenants[name] = _TenantIndex(ix)
            while len(self._tenants) > self._max_open:
                evicted.append(self._tenants.popitem(last=False)[1])
        # An evicted index still works for threads holding it; it just stops being cached.
        for old in evicted:
            old.close()
        return state

    def _write(self, tenant_id: uuid.UUID | str, apply: Any, **commit_args: Any) -> None:
        state = self._tenant(tenant_id, create=True)
        assert state is not None
        with state.write_lock:
            writer = state.ix.writer(timeout=WRITE_LOCK_TIMEOUT)
            try:
                apply(writer)
                writer.commit(**commit_args)
            except BaseException:
                _abandon(writer)
                raise

    # -- ISearchIndex ------------------------------------------------------------

    def index(self, tenant_id: uuid.UUID | str, documents: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace ``documents`` in one batch; visible when this returns."""
        batch = [document_fields(document) for document in documents]
        if not batch:
            return

        def apply(writer: writing.IndexWriter) -> None:
            for doc in batch:
                writer.update_document(**doc)

        self._write(tenant_id, apply)

    def delete(self, tenant_id: uuid.UUID | str, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        ids = [str(i) for i in ids]
        if not ids or self._tenant(tenant_id, create=False) is None:
            return

        def apply(writer: writing.IndexWriter) -> None:
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)

        self._write(tenant_id, apply)

    def clear(self, tenant_id: uuid.UUID | str) -> None:
        """Remove every document of the tenant."""
        if self._tenant(tenant_id, create=False) is None:
            return
        self._write(tenant_id, lambda writer: None, mergetype=writing.CLEAR)

    def search(
        self,
        tenant_id: uuid.UUID | str,
        query: str,
        *,
        types: Iterable[str] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Search title (boosted) and body; never raises on odd user text."""
        if limit < 0 or offset < 0:
            raise ValueError("limit and offset must be >= 0")
        empty: dict[str, Any] = {"total": 0, "hits": []}
        parsed = self.parse(query)
        if _is_null(parsed):
            return empty
        type_filter = None
        if types is not None:
            types = [str(t) for t in types]
            if not types:
                return empty
            type_filter = Or([Term("type", t) for t in types])
        state = self._tenant(tenant_id, create=False)
        if state is None:
            return empty
        with state.search_lock:
            searcher = state.searcher()
            try:
                results = searcher.search(parsed, limit=offset + limit or 1, filter=type_filter)
            except Exception:
                # The parser accepts things the matcher may not (odd ranges, huge
                # wildcards): retry with the words alone.
                log.info("search query %r failed, retrying as plain words", query, exc_info=True)
                parsed = self.plain_query(query)
                if _is_null(parsed):
                    return empty
                results = searcher.search(parsed, limit=offset + limit or 1, filter=type_filter)
            total = len(results)
            hits = [self._hit(hit) for hit in results[offset : offset + limit]] if limit else []
        return {"total": total, "hits": hits}

    # -- helpers -----------------------------------------------------------------

    def parse(self, text: str) -> Query:
        """Parse user text; fall back to plain words when the parser gives up."""
        if not isinstance(text, str):
            raise TypeError("query must be a str")
        try:
            return self._parser.parse(text)
        except Exception:
            log.info("cannot parse search query %r, using plain words", text, exc_info=True)
            return self.plain_query(text)

    def plain_query(self, text: str) -> Query:
        """Return an OR of the analysed words of ``text`` over title and body."""
        words = [token.text for token in self.schema["body"].analyzer(text)]
        terms = [Term(field, word) for field in _SEARCH_FIELDS for word in words]
        return Or(terms) if terms else NullQuery

    @staticmethod
    def _hit(hit: Any) -> dict[str, Any]:
        stored = hit.fields()
        extra = json.loads(stored["extra"]) if stored.get("extra") else {}
        return {
            **extra,
            "id": stored["id"],
            "type": stored.get("type", ""),
            "title": stored.get("title", ""),
            "score": float(hit.score) if hit.score is not None else 0.0,
        }

    def close(self) -> None:
        """Close every open searcher (for tests and shutdown)."""
        with self._lock:
            states = list(self._tenants.values())
            self._tenants.clear()
        for state in states:
            state.close()


def _abandon(writer: writing.SegmentWriter) -> None:
    # A commit can fail half-way; whatever state the writer is in, Whoosh's file lock
    # must be released or every later write of the tenant times out.
    try:
        writer.cancel()
    except Exception:
        log.warning("could not cancel a failed search index write", exc_info=True)
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        with contextlib.suppress(Exception):
            lock.release()


def _is_null(query: Query) -> bool:
    return query is NullQuery or isinstance(query, type(NullQuery))


def factory(settings: dict[str, Any]) -> WhooshSearchIndex:
    """Build the index from ``search.path`` (directory, default ``var/search``);
    ``search.backend`` must be ``whoosh``."""
    return directory_backend(
        settings, "search.backend", "whoosh", "search.path", "var/search", WhooshSearchIndex
    )
