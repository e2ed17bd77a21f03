#!/usr/bin/env python3
"""Where a page's time goes: cProfile over in-process requests to an instance that
``catalog_bench.py --keep-tmp`` left behind (or any instance directory with a
``development.ini`` and ``bench.sqlite``).

    .venv/bin/python scripts/bench/profile_pages.py /tmp/lh-catalog-bench-XXXX \\
        /courses /api/v1/courses --cookie lh_session=... -n 200 --top 40

Requests go straight to the WSGI app (no server, no sockets), after a few warm-up
requests; the first figure printed is the wall time per request, then the profile
sorted by cumulative time (``--sort tottime`` for own time). The ``Host`` header is
``demo.localhost`` unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path


def call(app, path: str, host: str, cookie: str | None) -> tuple[str, bytes]:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    status: list[str] = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    body = b"".join(app(environ, start_response))
    return status[0], body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("instance", type=Path)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("-n", type=int, default=200, help="profiled requests per path (200)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--cookie", default=None, help="Cookie header (a page session)")
    ap.add_argument(
        "--as", dest="as_user", default=None, help="sign in as this email (tenant demo)"
    )
    ap.add_argument("--host", default="demo.localhost")
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--no-profile", action="store_true", help="timing only")
    ap.add_argument("--sql", action="store_true", help="print the SQL of one request")
    args = ap.parse_args()

    from benchkit import page_session_cookie
    from run_bench import instance_env

    inst = args.instance.resolve()
    os.environ.update(instance_env(inst, inst / "development.ini"))
    from learninghub.cli import configure_or_exit

    config = configure_or_exit(os.environ["LEARNINGHUB_CONFIG"])
    app = config.make_wsgi_app()
    if args.as_user:
        args.cookie = page_session_cookie(config.registry, args.as_user)
    for path in args.paths:
        for _ in range(args.warmup):
            status, _body = call(app, path, args.host, args.cookie)
        print(f"== {path}: {status}")
        if args.sql:
            from learninghub.testing.sql import counting

            with counting(config.registry["db.engine"]) as statements:
                call(app, path, args.host, args.cookie)
            print(f"   {len(statements)} statements:")
            for statement in statements:
                print("   - " + " ".join(statement.split())[:160])
        started = time.perf_counter()
        for _ in range(args.n):
            call(app, path, args.host, args.cookie)
        per = (time.perf_counter() - started) / args.n * 1000
        print(f"   {per:.2f} ms per request (wall, unprofiled, {args.n} requests)")
        if args.no_profile:
            continue
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            call(app, path, args.host, args.cookie)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
