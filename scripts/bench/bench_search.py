"""Benchmark WhooshSearchIndex against raw Whoosh on the same synthetic corpus.

Usage: PYTHONPATH=core python scripts/bench/bench_search.py [--docs 5000] [--queries 500]

Both sides index the same documents in the same batches into fresh directories, then
run the same queries alternately (parsed the same way, top 20 with stored fields and an
exact total), so machine noise hits both alike. Raw Whoosh keeps one searcher open and
skips everything our service adds: tenant routing, the generation check that picks up
other processes' writes, the per-tenant lock and hit dicts. Queries stop at --budget
seconds; indexing always completes (about 2 x 15 s for 5000 docs on a slow machine).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

from whoosh import index

from learninghub.services.search import WhooshSearchIndex, document_fields, make_parser, make_schema

SYLLABLES = "ka lo mi ne ru sa te vi zo pa qu el an or is un at re co di".split()


def make_vocabulary(size: int, rng: random.Random) -> list[str]:
    """Return ``size`` distinct pseudo-words of two to four syllables."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


def make_docs(count: int, vocabulary: list[str], rng: random.Random) -> list[dict[str, Any]]:
    """Return ``count`` synthetic documents with Zipf-distributed words."""
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]

    def words(n: int) -> str:
        return " ".join(rng.choices(vocabulary, weights, k=n))

    return [
        {
            "id": f"doc-{n}",
            "type": rng.choice(["course", "lesson", "page"]),
            "title": words(rng.randint(3, 8)),
            "body": words(rng.randint(10, 60)),
            "slug": f"doc-{n}",
        }
        for n in range(count)
    ]


def make_queries(count: int, vocabulary: list[str], rng: random.Random) -> list[str]:
    """Return one- to three-word queries, half with common words (Zipf-weighted), half
    with any word; a tenth end in a prefix wildcard."""
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    queries = []
    for n in range(count):
        k = rng.randint(1, 3)
        terms = rng.choices(vocabulary, weights, k=k) if n % 2 else rng.sample(vocabulary, k)
        if rng.random() < 0.1:
            terms[-1] = terms[-1][:4] + "*"
        queries.append(" ".join(terms))
    return queries


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class RawWhoosh:
    """The baseline: one Whoosh index, one open searcher, same schema and parser."""

    def __init__(self, root: str) -> None:
        self.schema = make_schema()
        self.ix = index.create_in(root, self.schema)
        self.parser = make_parser(self.schema)
        self.searcher: Any = None

    def index(self, docs: list[dict[str, Any]]) -> None:
        writer = self.ix.writer()
        for doc in docs:
            writer.update_document(**document_fields(doc))
        writer.commit()

    def search(self, text: str) -> None:
        if self.searcher is None:
            self.searcher = self.ix.searcher()
        results = self.searcher.search(self.parser.parse(text), limit=20)
        len(results)
        for hit in results:
            stored = hit.fields()
            if stored.get("extra"):
                json.loads(stored["extra"])

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()


def run(
    docs: list[dict[str, Any]], queries: list[str], batch: int, deadline: float
) -> dict[str, dict[str, Any]]:
    """Index into both, then alternate the same queries until done or ``deadline``."""
    with tempfile.TemporaryDirectory() as raw_root, tempfile.TemporaryDirectory() as our_root:
        raw = RawWhoosh(raw_root)
        ours = WhooshSearchIndex(our_root)
        tenant = uuid.uuid4()
        results: dict[str, dict[str, Any]] = {
            "raw whoosh": {"index_s": 0.0, "latencies": []},
            "WhooshSearchIndex": {"index_s": 0.0, "latencies": []},
        }
        for i in range(0, len(docs), batch):
            chunk = docs[i : i + batch]
            results["raw whoosh"]["index_s"] += timed(lambda c=chunk: raw.index(c))
            results["WhooshSearchIndex"]["index_s"] += timed(lambda c=chunk: ours.index(tenant, c))
        for query in queries:
            if time.monotonic() > deadline:
                break
            results["raw whoosh"]["latencies"].append(timed(lambda q=query: raw.search(q)))
            results["WhooshSearchIndex"]["latencies"].append(
                timed(lambda q=query: ours.search(tenant, q, limit=20))
            )
        raw.close()
        ours.close()
    return results


def summary(name: str, n_docs: int, result: dict[str, Any]) -> dict[str, float]:
    latencies = result["latencies"]
    figures = {
        "docs_per_s": n_docs / result["index_s"],
        "queries": len(latencies),
        "queries_per_s": len(latencies) / sum(latencies) if latencies else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000 if latencies else 0.0,
        "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else 0.0,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
    }
    print(
        f"{name:<18} {figures['docs_per_s']:>9.0f} docs/s  {figures['queries_per_s']:>8.1f} q/s"
        f"  p50 {figures['p50_ms']:>7.2f} ms  p99 {figures['p99_ms']:>7.2f} ms"
        f"  ({figures['queries']} queries)"
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents to index (5000)")
    parser.add_argument("--queries", type=int, default=500, help="queries to run (500)")
    parser.add_argument("--batch", type=int, default=500, help="documents per index call (500)")
    parser.add_argument("--vocabulary", type=int, default=5000, help="distinct words (5000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--budget", type=float, default=45.0, help="seconds before stopping")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    vocabulary = make_vocabulary(args.vocabulary, rng)
    docs = make_docs(args.docs, vocabulary, rng)
    queries = make_queries(args.queries, vocabulary, rng)
    start = time.monotonic()
    print(
        f"{args.docs} docs in batches of {args.batch}, up to {args.queries} queries"
        " (top 20, alternating raw/ours)"
    )
    results = run(docs, queries, args.batch, start + args.budget)
    raw = summary("raw whoosh", args.docs, results["raw whoosh"])
    ours = summary("WhooshSearchIndex", args.docs, results["WhooshSearchIndex"])
    if raw["queries_per_s"] and ours["queries_per_s"]:
        print(
            f"ratio ours/raw     indexing {ours['docs_per_s'] / raw['docs_per_s']:.2f}x"
            f"  queries {ours['queries_per_s'] / raw['queries_per_s']:.2f}x"
            f"  p50 {ours['p50_ms'] / raw['p50_ms']:.2f}x  p99 {ours['p99_ms'] / raw['p99_ms']:.2f}x"
        )
    print(f"total {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
