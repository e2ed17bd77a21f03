#!/usr/bin/env python3
"""Benchmark harness: Learning Hub under waitress against a bare Pyramid hello-world.

Run it with the project's virtual environment (``scripts/bench/bench.sh`` does the
set-up first)::

    .venv/bin/python scripts/bench/run_bench.py [--duration 10] [--connections 16]

What it does, every step bounded in time:

1. Builds a throw-away instance in a temp dir: a copy of development.ini, its own
   SQLite database, storage, search and mail paths (``LEARNINGHUB_*`` overrides),
   then ``learninghub db upgrade``, ``learninghub demo``, a bench user and
   ``--announcements`` announcements in tenant ``demo``.
2. Starts the hello-world (``hello_app.py``), then the app (``entrypoints.web:app``),
   one at a time, each under waitress with 4 threads on 127.0.0.1 (ephemeral port),
   pinned to CPU 0; start-up time = process start until ``/healthz`` answers 200.
3. Loads each target with ``wrk`` pinned to CPU 1 (warm-up run first, discarded):
   ``/healthz``, ``/api/v1/announcements?limit=50`` and the themed ``/login`` page
   (Host ``demo.localhost``).
   Without wrk (and no root to install it), a small threaded Python load generator
   is used instead, and the report says so: its figures are not comparable.
4. Prints req/s, p50, p99 and the ratio to the hello-world for each target, the
   app's RSS after the load and its start-up time against the targets
   (< 200 MB, < 3 s), and writes the same as JSON under ``bench-results/``.

Only loopback addresses are ever loaded. Servers are killed on exit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from benchkit import (
    BenchError,
    Server,
    can_pin,
    ensure_wrk,
    http_get,
    http_post_json,
    log,
    read_rss_mb,
    run_python_load,
    run_wrk,
)

REPO = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = REPO / "bench-results"

RSS_TARGET_MB = 200.0
STARTUP_TARGET_S = 3.0

TENANT = "demo"
TENANT_HOST = "demo.localhost"
BENCH_USER_EMAIL = "bench-instructor@demo.example"
BENCH_USER_PASSWORD = "bench-Passw0rd-not-secret"

# (name, path, send the tenant Host header, send the bearer token)
TARGETS = [
    ("healthz", "/healthz", False, False),
    ("announcements", "/api/v1/announcements?limit=50", True, True),
    # a themed page through the whole web shell: theme chain, branding, locale, hooks
    ("login_page", "/login", True, False),
]


# --------------------------------------------------------------------------- helpers


def run_cmd(cmd: list[str], env: dict[str, str], timeout: float, stdin: str | None = None) -> str:
    log("$ " + " ".join(a if "\n" not in a else "<code>" for a in cmd))
    try:
        proc = subprocess.run(
            cmd,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(Path(env["LEARNINGHUB_CONFIG"]).parent),
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out after {timeout:.0f}s: {' '.join(cmd)}") from exc
    if proc.returncode != 0:
        raise BenchError(
            f"exit {proc.returncode}: {' '.join(cmd)}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return proc.stdout


# --------------------------------------------------------------------------- instance


def learninghub_exe() -> str:
    exe = Path(sys.executable).parent / "learninghub"
    if exe.exists():
        return str(exe)
    found = shutil.which("learninghub")
    if not found:
        raise BenchError("the learninghub command is not installed (run scripts/setup.sh)")
    return found


def make_instance(workdir: Path, config_src: Path) -> dict[str, str]:
    """A private config + SQLite database + data dirs; returns the environment to use."""
    if not config_src.exists():
        raise BenchError(f"{config_src} not found (use --only-baseline until it exists)")
    config = workdir / config_src.name
    shutil.copy2(config_src, config)
    return instance_env(workdir, config)


def instance_env(workdir: Path, config: Path) -> dict[str, str]:
    """The environment of the instance in ``workdir`` (``make_instance``'s, or one
    ``--keep-tmp`` left behind): its config, SQLite file and data dirs."""
    # storage/, search/ and mail/ are left for the app to create, as on a first run.
    env = dict(os.environ)
    env.update(
        {
            "LEARNINGHUB_CONFIG": str(config),
            "LEARNINGHUB_DB_URL": f"sqlite:///{workdir / 'bench.sqlite'}",
            "LEARNINGHUB_STORAGE_PATH": str(workdir / "storage"),
            "LEARNINGHUB_SEARCH_PATH": str(workdir / "search"),
            "LEARNINGHUB_MAIL_PATH": str(workdir / "mail"),
            "LEARNINGHUB_LOG_LEVEL": "warning",
            # as in production: development.ini re-reads templates (a stat per template)
            "LEARNINGHUB_TEMPLATES_AUTO_RELOAD": "false",
            # one load generator from one IP would only measure the 429 path: the rate
            # limiter's own cost is measured in-process (docs/rate-limiting.md)
            "LEARNINGHUB_RATELIMIT_ENABLED": os.environ.get(
                "LEARNINGHUB_RATELIMIT_ENABLED", "false"
            ),
        }
    )
    return env


def prepare_instance(env: dict[str, str], announcements: int) -> dict[str, object]:
    lh = learninghub_exe()
    config = env["LEARNINGHUB_CONFIG"]
    info: dict[str, object] = {}
    run_cmd([lh, "--config", config, "db", "upgrade"], env, timeout=180)
    run_cmd([lh, "--config", config, "demo"], env, timeout=180)
    try:
        create_bench_user(env, BENCH_USER_EMAIL, BENCH_USER_PASSWORD)
        info["bench_user"] = BENCH_USER_EMAIL
    except BenchError as exc:
        log(f"WARNING: could not create the bench user; loading without a token\n{exc}")
        info["bench_user_error"] = str(exc)
    try:
        if "bench_user" not in info:
            raise BenchError("no bench user to write announcements with")
        seed_announcements(env, announcements)
        info["announcements_seeded"] = announcements
    except BenchError as exc:
        log(f"WARNING: could not seed announcements; the list will be shorter\n{exc}")
        info["seed_error"] = str(exc)
    return info


# The two functions below are the only places that write data into the instance: the
# CLI's `user add` and the public JSON API. Adapt them here when those change.


def create_bench_user(env: dict[str, str], email: str, password: str) -> None:
    """Create an instructor in tenant demo through the CLI (password on stdin)."""
    lh = learninghub_exe()
    run_cmd(
        [
            lh,
            "--config",
            env["LEARNINGHUB_CONFIG"],
            "user",
            "add",
            "--tenant",
            TENANT,
            "--role",
            "instructor",
            email,
        ],
        env,
        timeout=60,
        stdin=password + "\n",
    )


# Runs in a child process with the instance's environment: builds the WSGI app of
# entrypoints/web.py in-process (WebTest, no server) and goes through the public API,
# so it depends only on the API contract: sign in as the bench user, then create and
# publish each announcement. argv: repo email password host count
SEED_CODE = r"""
import sys

repo, email, password, host = sys.argv[1:5]
count = int(sys.argv[5])
sys.path.insert(0, repo)
from webtest import TestApp

from entrypoints.web import app

client = TestApp(app, extra_environ={"HTTP_HOST": host})
token = client.post_json(
    "/api/v1/auth/token", {"email": email, "password": password}
).json["access_token"]
headers = {"Authorization": f"Bearer {token}"}
filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 6
for i in range(1, count + 1):
    client.post_json(
        "/api/v1/announcements",
        {"title": f"Benchmark announcement {i}", "body": f"<p>{i}. {filler}</p>", "publish": True},
        headers=headers,
        status=201,
    )
print(f"seeded {count} published announcements on {host}")
"""


def seed_announcements(env: dict[str, str], n: int) -> None:
    """Create and publish ``n`` announcements in tenant demo as the bench user
    (a fresh database each run: no duplicates)."""
    if n <= 0:
        return
    run_cmd(
        [
            sys.executable,
            "-c",
            SEED_CODE,
            str(REPO),
            BENCH_USER_EMAIL,
            BENCH_USER_PASSWORD,
            TENANT_HOST,
            str(n),
        ],
        env,
        timeout=180,
    )


# --------------------------------------------------------------------------- driver


def bench_server(
    server: Server,
    args: argparse.Namespace,
    use_wrk: bool,
    load_cpu: int | None,
    token: str | None,
) -> dict[str, object]:
    results: dict[str, object] = {}
    for name, path, tenant_host, needs_token in TARGETS:
        headers: dict[str, str] = {}
        if tenant_host:
            headers["Host"] = TENANT_HOST
        if needs_token and token:
            headers["Authorization"] = f"Bearer {token}"
        entry: dict[str, object] = {"path": path, "headers": sorted(headers)}
        assert server.port is not None
        try:
            status, body = http_get(server.port, path, headers=headers, timeout=10)
        except OSError as exc:
            status, body = None, str(exc).encode()
        entry["status"] = status
        entry["body_bytes"] = len(body)
        if status != 200:
            entry["error"] = f"pre-check answered {status}: {body[:300]!r}"
            log(f"WARNING: {server.name} {path}: {entry['error']}; not loading this target")
            results[name] = entry
            continue
        try:
            parsed = json.loads(body)
            if isinstance(parsed, list):
                entry["items"] = len(parsed)
            elif isinstance(parsed, dict):
                for key in ("items", "data", "results"):
                    if isinstance(parsed.get(key), list):
                        entry["items"] = len(parsed[key])
        except ValueError:
            pass
        log(f"{server.name} {path}: warm-up {args.warmup:g}s, then {args.duration:g}s")

        def load(duration: float, path: str = path, headers: dict[str, str] = headers) -> dict:
            assert server.port is not None
            if use_wrk:
                url = f"http://127.0.0.1:{server.port}{path}"
                return run_wrk(
                    url,
                    headers,
                    connections=args.connections,
                    threads=args.wrk_threads,
                    duration=duration,
                    cpu=load_cpu,
                )
            return run_python_load(
                server.port,
                path,
                headers,
                connections=args.connections,
                duration=duration,
                cpu=load_cpu,
            )

        try:
            if args.warmup > 0:
                load(args.warmup)
            entry.update(load(args.duration))
        except (BenchError, subprocess.TimeoutExpired) as exc:
            entry["error"] = str(exc)
            log(f"WARNING: {server.name} {path}: {exc}")
        results[name] = entry
    results["memory"] = read_rss_mb(server.proc.pid) if server.proc else {}
    results["startup_s"] = server.startup_s
    return results


def get_token(port: int) -> str | None:
    """Bearer token for the bench user (None when the API does not give one)."""
    try:
        status, body = http_post_json(
            port,
            "/api/v1/auth/token",
            {"email": BENCH_USER_EMAIL, "password": BENCH_USER_PASSWORD},
            headers={"Host": TENANT_HOST},
        )
    except OSError as exc:
        log(f"WARNING: token request failed: {exc}")
        return None
    if status != 200:
        log(f"WARNING: token request answered {status}: {body[:200]!r}")
        return None
    try:
        return json.loads(body)["access_token"]
    except (ValueError, KeyError, TypeError):
        log(f"WARNING: no access_token in {body[:200]!r}")
        return None


def fmt(x: object, spec: str = ".1f") -> str:
    return format(x, spec) if isinstance(x, (int, float)) else "-"


def print_report(report: dict) -> None:
    p = report["params"]
    print()
    print(
        f"Learning Hub benchmark  {report['started_at']}  load: {report['load_generator']}, "
        f"-c{p['connections']} -d{p['duration']}s; waitress {p['server_threads']} threads; "
        f"pinned: {report['pinned']}"
    )
    if report["load_generator"] != "wrk":
        print(
            "NOTE: wrk was not used; the Python load generator is GIL-bound: its figures "
            "measure the generator as much as the server and are not comparable with wrk's."
        )
    header = f"{'target':<34} {'server':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9}  note"
    print(header)
    print("-" * len(header))
    servers = report["servers"]
    hello = servers.get("hello", {})
    for name, path, _, _ in TARGETS:
        for sname in ("hello", "app"):
            res = servers.get(sname, {}).get(name)
            if res is None:
                continue
            base = hello.get(name, {}).get("rps")
            ratio = res["rps"] / base if isinstance(res.get("rps"), float) and base else None
            notes = []
            if res.get("error"):
                notes.append(res["error"].splitlines()[0][:60])
            if res.get("non_2xx_3xx"):
                notes.append(f"{res['non_2xx_3xx']} non-2xx")
            if res.get("socket_errors"):
                notes.append(f"{res['socket_errors']} socket errors")
            if "items" in res:
                notes.append(f"{res['items']} items")
            print(
                f"{path:<34} {sname:<6} {fmt(res.get('rps')):>9} {fmt(res.get('p50_ms'), '.2f'):>8} "
                f"{fmt(res.get('p99_ms'), '.2f'):>8} {fmt(ratio, '.2f'):>9}  {'; '.join(notes)}"
            )
    print()
    for sname in ("app", "hello"):
        s = servers.get(sname)
        if not s:
            continue
        mem = s.get("memory", {})
        line = (
            f"{sname:<5} start-up {fmt(s.get('startup_s'), '.2f')} s, "
            f"RSS after load {fmt(mem.get('rss_mb'))} MB (peak {fmt(mem.get('peak_rss_mb'))} MB)"
        )
        if sname == "app":
            line += (
                f"   targets: start-up < {STARTUP_TARGET_S:g} s "
                f"{'met' if report['targets']['startup_met'] else 'NOT met'}, "
                f"RSS < {RSS_TARGET_MB:g} MB "
                f"{'met' if report['targets']['rss_met'] else 'NOT met'}"
            )
        print(line)
    if report.get("instance"):
        inst = {k: v for k, v in report["instance"].items() if not k.endswith("_error")}
        errs = [k for k in report["instance"] if k.endswith("_error")]
        print(f"instance: {inst}" + (f"  (failed: {', '.join(errs)})" if errs else ""))
    if report["loadavg_before"][0] > 0.5:
        print(
            f"NOTE: load average {report['loadavg_before'][0]:.2f} before the run: figures skewed"
        )
    if report.get("error"):
        print(f"ERROR: the run did not complete: {report['error'].splitlines()[0]}")
    print(f"results: {report['results_file']}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured run (10)")
    ap.add_argument("--warmup", type=float, default=2, help="seconds of discarded warm-up (2)")
    ap.add_argument("--connections", type=int, default=16, help="open connections (16)")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk -t (1)")
    ap.add_argument("--server-threads", type=int, default=4, help="waitress threads (4)")
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    ap.add_argument("--no-pin", action="store_true", help="do not use taskset")
    ap.add_argument("--announcements", type=int, default=50, help="announcements to seed (50)")
    ap.add_argument(
        "--config",
        type=Path,
        default=REPO / "development.ini",
        help="ini file to copy for the private instance",
    )
    ap.add_argument("--app", default="entrypoints.web:app", help="WSGI app module:attr")
    ap.add_argument("--startup-timeout", type=float, default=60)
    ap.add_argument(
        "--only-baseline",
        action="store_true",
        help="bench the hello-world alone (no Learning Hub instance)",
    )
    ap.add_argument(
        "--python-load",
        action="store_true",
        help="use the Python load generator even when wrk exists",
    )
    ap.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temp instance dir")
    ap.add_argument(
        "--check", action="store_true", help="exit 1 when the start-up or memory target is not met"
    )
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    if args.duration <= 0 or args.duration > 600 or args.warmup < 0 or args.warmup > 60:
        ap.error("--duration must be in (0, 600] and --warmup in [0, 60]")
    if not 1 <= args.connections <= 1000:
        ap.error("--connections must be in [1, 1000]")
    return args


def git_commit() -> str | None:
    try:
        return (
            subprocess.run(
                ["git", "-C", str(REPO), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def main(argv: list[str]) -> int:
    args = parse_args(argv)

    def _on_signal(signum, frame):
        raise KeyboardInterrupt  # same clean-up and partial report as Ctrl-C

    signal.signal(signal.SIGTERM, _on_signal)

    wrk = None if args.python_load else ensure_wrk(not args.no_install)
    use_wrk = wrk is not None
    if not use_wrk and not args.python_load:
        log("WARNING: falling back to the Python load generator (figures not comparable with wrk)")
    pinned = not args.no_pin and can_pin([args.server_cpu, args.load_cpu])
    server_cpu = args.server_cpu if pinned else None
    load_cpu = args.load_cpu if pinned else None

    busy = os.getloadavg()[0]
    if busy > 0.5:
        log(f"WARNING: load average is {busy:.2f}: other work on this machine skews the figures")
    workdir = Path(tempfile.mkdtemp(prefix="lh-bench-"))
    started_at = dt.datetime.now(dt.UTC)
    report: dict = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
        "load_generator": "wrk" if use_wrk else "python",
        "wrk": wrk,
        "pinned": {"server_cpu": server_cpu, "load_cpu": load_cpu} if pinned else False,
        "params": {
            "duration": args.duration,
            "warmup": args.warmup,
            "connections": args.connections,
            "wrk_threads": args.wrk_threads,
            "server_threads": args.server_threads,
            "announcements": args.announcements,
            "app": args.app,
        },
        "targets_spec": {"rss_mb_lt": RSS_TARGET_MB, "startup_s_lt": STARTUP_TARGET_S},
        "servers": {},
    }
    servers: list[Server] = []
    rc = 0
    try:
        hello = Server(
            "hello",
            "hello_app:app",
            [str(BENCH_DIR)],
            dict(os.environ),
            workdir,
            args.server_threads,
            server_cpu,
        )
        servers.append(hello)
        hello.start(args.startup_timeout)
        report["servers"]["hello"] = bench_server(hello, args, use_wrk, load_cpu, token=None)
        hello.stop()

        if not args.only_baseline:
            env = make_instance(workdir, args.config)
            report["instance"] = prepare_instance(env, args.announcements)
            app = Server(
                "app", args.app, [str(REPO)], env, workdir, args.server_threads, server_cpu
            )
            servers.append(app)
            app.start(args.startup_timeout)
            token = get_token(app.port) if "bench_user" in report["instance"] else None
            report["instance"]["token"] = token is not None
            report["servers"]["app"] = bench_server(app, args, use_wrk, load_cpu, token)
            app.stop()
    except BenchError as exc:
        log(f"ERROR: {exc}")
        report["error"] = str(exc)
        rc = 2
    except KeyboardInterrupt:
        log("interrupted")
        report["error"] = "interrupted"
        rc = 130
    finally:
        for s in servers:
            s.stop()
        if args.keep_tmp:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    app_res = report["servers"].get("app", {})
    startup = app_res.get("startup_s")
    rss = app_res.get("memory", {}).get("rss_mb")
    report["targets"] = {
        "startup_met": None if startup is None else startup < STARTUP_TARGET_S,
        "rss_met": None if rss is None else rss < RSS_TARGET_MB,
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"bench-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    try:
        report["results_file"] = str(out.relative_to(REPO))
    except ValueError:
        report["results_file"] = str(out)
    print_report(report)
    if rc == 0 and args.check and not args.only_baseline and not all(report["targets"].values()):
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
