"""Fallback load generator, used when wrk is not available (standard library only).

    python loadgen.py PORT PATH CONNECTIONS DURATION HEADERS_JSON

Opens CONNECTIONS keep-alive connections to 127.0.0.1:PORT, one thread each, sends
GET PATH until DURATION seconds have passed (and at most a million requests per
connection), then prints one JSON object: rps, p50/p75/p90/p99 in ms, requests,
non_2xx_3xx, socket_errors. It is bound by the GIL: its figures measure the
generator as much as the server and are not comparable with wrk's.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time


def main(argv: list[str]) -> int:
    """Fallback load generator: N keep-alive connections, one thread each, bounded."""
    port, path, connections, duration = int(argv[0]), argv[1], int(argv[2]), float(argv[3])
    headers = json.loads(argv[4])
    max_requests_per_thread = 1_000_000
    deadline = time.monotonic() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    counters = {"non_2xx_3xx": 0, "socket_errors": 0}
    lock = threading.Lock()

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        lat = latencies[i]
        for _ in range(max_requests_per_thread):
            if time.monotonic() >= deadline:
                break
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counters["socket_errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                continue
            lat.append((time.perf_counter() - t) * 1e3)
            if resp.status >= 400:
                with lock:
                    counters["non_2xx_3xx"] += 1
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 15)
    elapsed = time.monotonic() - t0
    all_lat = sorted(x for lat in latencies for x in lat)

    def pct(p: float) -> float | None:
        if not all_lat:
            return None
        return all_lat[min(len(all_lat) - 1, int(round(p / 100 * (len(all_lat) - 1))))]

    print(
        json.dumps(
            {
                "rps": len(all_lat) / elapsed if elapsed > 0 else None,
                "p50_ms": pct(50),
                "p75_ms": pct(75),
                "p90_ms": pct(90),
                "p99_ms": pct(99),
                "requests": len(all_lat),
                **counters,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
