"""Bare Pyramid hello-world: the baseline the benchmark compares Learning Hub with.

It answers the same paths as the targets of ``run_bench.py`` with the least work
Pyramid can do: ``/healthz`` returns a tiny JSON document (as the app's does) and every
other path a plain "Hello World!", so a ratio against it shows what the
application adds on top of the framework and the server.

Run alone: ``python scripts/bench/hello_app.py [PORT]`` (waitress, 4 threads).
"""

from __future__ import annotations

import sys

from pyramid.config import Configurator
from pyramid.response import Response


def healthz(request):
    return {"status": "ok"}


def hello(request):
    return Response("Hello World!", content_type="text/plain")


def make_app():
    with Configurator() as config:
        config.add_route("healthz", "/healthz")
        config.add_view(healthz, route_name="healthz", renderer="json")
        config.add_route("hello", "/*subpath")
        config.add_view(hello, route_name="hello")
        return config.make_wsgi_app()


app = make_app()


if __name__ == "__main__":
    from waitress import serve

    serve(app, host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 6544, threads=4)
