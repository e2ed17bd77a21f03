#!/usr/bin/env python3
"""Catalog benchmark (issue 5, "Performance"): the catalog pages with 2,000 published
courses, 20,000 lessons and 50,000 enrolments in one tenant, against the bare Pyramid
hello-world, in the same run.

    .venv/bin/python scripts/bench/catalog_bench.py [--duration 10] [--connections 16]

1. A throw-away instance like ``run_bench.py``'s (temp dir, own SQLite database,
   storage, search and mail paths): ``learninghub db upgrade``, ``learninghub demo``
   (tenant ``demo``, its users, every non-hidden plugin), then ``catalog_seed.py``:
   the volume in bulk through SQLAlchemy Core (see its docstring) and a page session
   for ``learner@demo.example`` made with the kernel's session helper.
2. The hello-world (``hello_app.py``), then the app, each under waitress with 4
   threads on 127.0.0.1, pinned to CPU 0; ``wrk -t1 -c16`` pinned to CPU 1, after a
   discarded warm-up, with ``Host: demo.localhost``:
   - ``/courses`` — the catalog page, HTML, anonymous;
   - ``/api/v1/courses`` — the catalog API, JSON, anonymous;
   - ``/courses/{slug}`` — a course landing page, signed in (enrolled learner);
   - ``/courses/{slug}/learn/{lesson}`` — a lesson page, signed in.
   The hello-world is loaded once (its answer is the same for every path).
3. A table of req/s, p50, p99 and the ratio to the hello-world, with the goals of the
   issue: the anonymous catalog (page and API) at least 0.25x hello-world's req/s and
   p99 < 50 ms; signed-in pages p99 < 100 ms. The load average before and after is
   printed (the machine may be shared). JSON under ``bench-results/`` (git-ignored).

``--check`` exits 1 when a goal is missed. Only loopback addresses are loaded;
servers die with the harness.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import BenchError, Server, can_pin, ensure_wrk, http_get, log, read_rss_mb, run_wrk
from run_bench import BENCH_DIR, REPO, fmt, git_commit, learninghub_exe, make_instance, run_cmd

RESULTS_DIR = REPO / "bench-results"
TENANT_HOST = "demo.localhost"
HELLO_RATIO_GOAL = 0.25
ANON_P99_GOAL_MS = 50.0
SIGNED_IN_P99_GOAL_MS = 100.0


def targets(seed: dict) -> list[dict]:
    """name, path, signed in, text the pre-check expects in the body."""
    course = f"/courses/{seed['course_slug']}"
    return [
        {"name": "catalog_page", "path": "/courses", "signed_in": False, "expect": '<h2 id="c-'},
        {
            "name": "catalog_api",
            "path": "/api/v1/courses",
            "signed_in": False,
            "expect": '"total":',
        },
        {"name": "landing_page", "path": course, "signed_in": True, "expect": seed["course_title"]},
        {
            "name": "lesson_page",
            "path": f"{course}/learn/{seed['lesson_slug']}",
            "signed_in": True,
            "expect": seed["lesson_title"],
        },
    ]


def goal_of(target: dict) -> dict:
    if target["signed_in"]:
        return {"p99_ms_lt": SIGNED_IN_P99_GOAL_MS}
    return {"ratio_ge": HELLO_RATIO_GOAL, "p99_ms_lt": ANON_P99_GOAL_MS}


def seed_instance(env: dict[str, str], args: argparse.Namespace) -> dict:
    lh = learninghub_exe()
    config = env["LEARNINGHUB_CONFIG"]
    t0 = time.monotonic()
    run_cmd([lh, "--config", config, "db", "upgrade"], env, timeout=240)
    run_cmd([lh, "--config", config, "demo"], env, timeout=240)
    t1 = time.monotonic()
    out = run_cmd(
        [
            sys.executable,
            str(BENCH_DIR / "catalog_seed.py"),
            "--courses",
            str(args.courses),
            "--lessons",
            str(args.lessons),
            "--enrolments",
            str(args.enrolments),
        ],
        env,
        timeout=600,
    )
    seed = json.loads(out.strip().splitlines()[-1])
    if args.reindex:
        run_cmd([lh, "--config", config, "courses", "reindex", "--tenant", "demo"], env, 600)
    seed["seconds"]["upgrade_and_demo"] = round(t1 - t0, 2)
    seed["seconds"]["instance_total"] = round(time.monotonic() - t0, 2)
    log(
        f"seeded {seed['courses']} courses, {seed['lessons']} lessons, "
        f"{seed['enrolments']} enrolments in {seed['seconds']['total']:.1f}s "
        f"(upgrade + demo {seed['seconds']['upgrade_and_demo']:.1f}s)"
    )
    return seed


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(server: Server, path: str, headers: dict, args, cpu: int | None, secs: float) -> dict:
    assert server.port is not None
    return run_wrk(
        f"http://127.0.0.1:{server.port}{path}",
        headers,
        connections=args.connections,
        threads=1,
        duration=secs,
        cpu=cpu,
    )


def measure(server: Server, target: dict, headers: dict, args, cpu: int | None) -> dict:
    entry: dict = {"path": target["path"], "signed_in": target["signed_in"]}
    assert server.port is not None
    try:
        status, body = http_get(server.port, target["path"], headers=headers, timeout=30)
    except OSError as exc:
        status, body = None, str(exc).encode()
    entry["status"], entry["body_bytes"] = status, len(body)
    text = body.decode(errors="replace")
    if status != 200 or (server.name == "app" and target["expect"] not in text):
        entry["error"] = f"pre-check: {status}, expected {target['expect']!r}: {text[:200]!r}"
        log(f"WARNING: {server.name} {target['path']}: {entry['error']}; not loading it")
        return entry
    log(f"{server.name} {target['path']}: warm-up {args.warmup:g}s, then {args.duration:g}s")
    try:
        if args.warmup > 0:
            load(server, target["path"], headers, args, cpu, args.warmup)
        assert server.proc is not None
        cpu_before = cpu_seconds(server.proc.pid)
        result = load(server, target["path"], headers, args, cpu, args.duration)
        cpu_after = cpu_seconds(server.proc.pid)
        done = result.get("requests")
        if cpu_before is not None and cpu_after is not None and done:
            # CPU the server spent per answer: unlike req/s, hardly changed by other
            # processes competing for the core (they delay the server, not add to it)
            result["server_cpu_ms_per_req"] = (cpu_after - cpu_before) * 1000 / done
    except (BenchError, subprocess.TimeoutExpired) as exc:
        entry["error"] = str(exc)
        return entry
    entry.update(result)
    if result.get("socket_errors") and not result.get("p99_ms"):
        # wrk reports 0.00us latencies when no request finished within its timeout
        entry["p50_ms"] = entry["p99_ms"] = None
        entry["error"] = f"{result['socket_errors']} requests timed out (wrk's timeout: 5 s)"
    return entry


def evaluate(report: dict) -> None:
    hello_rps = report["hello"].get("rps")
    for res in report["app"].values():
        if not isinstance(res, dict) or "path" not in res:
            continue
        goal = res["goal"]
        rps, p99 = res.get("rps"), res.get("p99_ms")
        ratio = rps / hello_rps if isinstance(rps, float) and hello_rps else None
        res["ratio"] = ratio
        met = [isinstance(p99, float) and p99 < goal["p99_ms_lt"]]
        if "ratio_ge" in goal:
            met.append(ratio is not None and ratio >= goal["ratio_ge"])
        if res.get("non_2xx_3xx") or res.get("socket_errors") or res.get("error"):
            met.append(False)
        res["goal_met"] = all(met)


def print_report(report: dict) -> None:
    p = report["params"]
    print()
    print(
        f"Catalog benchmark  {report['started_at']}  wrk -t1 -c{p['connections']} "
        f"-d{p['duration']:g}s; waitress {p['server_threads']} threads; "
        f"pinned: {report['pinned']}"
    )
    seed = report.get("seed", {})
    if seed:
        print(
            f"data: {seed['courses']} published courses, {seed['lessons']} lessons, "
            f"{seed['enrolments']} enrolments in tenant {seed['tenant']} "
            f"(seeded in {seed['seconds']['total']:.1f}s)"
        )
    head = (
        f"{'target':<48} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x hello':>8} "
        f"{'cpu ms/req':>10}  goal"
    )
    print(head)
    print("-" * (len(head) + 40))
    h = report["hello"]
    print(
        f"{'hello-world (bare Pyramid) ' + h.get('path', ''):<48} {fmt(h.get('rps')):>8} "
        f"{fmt(h.get('p50_ms'), '.2f'):>8} {fmt(h.get('p99_ms'), '.2f'):>8} {'1.00':>8} "
        f"{fmt(h.get('server_cpu_ms_per_req'), '.2f'):>10}"
    )
    for name, res in report["app"].items():
        if not isinstance(res, dict) or "path" not in res:
            continue
        goal = res["goal"]
        want = f"p99 < {goal['p99_ms_lt']:g} ms"
        if "ratio_ge" in goal:
            want = f">= {goal['ratio_ge']:g}x hello, " + want
        verdict = "met" if res.get("goal_met") else "NOT met"
        notes = []
        if res.get("error"):
            notes.append(res["error"].splitlines()[0][:70])
        if res.get("non_2xx_3xx"):
            notes.append(f"{res['non_2xx_3xx']} non-2xx")
        if res.get("socket_errors"):
            notes.append(f"{res['socket_errors']} socket errors")
        who = "signed in" if res["signed_in"] else "anonymous"
        label = f"{name} ({who}) {res['path']}"
        if len(label) > 48:
            label = label[:45] + "..."
        print(
            f"{label:<48} {fmt(res.get('rps')):>8} {fmt(res.get('p50_ms'), '.2f'):>8} "
            f"{fmt(res.get('p99_ms'), '.2f'):>8} {fmt(res.get('ratio'), '.2f'):>8} "
            f"{fmt(res.get('server_cpu_ms_per_req'), '.2f'):>10}  "
            f"{want}: {verdict}" + (f"  ({'; '.join(notes)})" if notes else "")
        )
    if report["app"].get("server_log_tail"):
        errors = [
            line
            for line in report["app"]["server_log_tail"].splitlines()
            if "error" in line.lower() or "Traceback" in line
        ]
        print(f"app log on non-2xx answers: {errors[-1][:160] if errors else '(no error line)'}")
    mem = report["app"].get("memory", {})
    print(
        f"app: start-up {fmt(report['app'].get('startup_s'), '.2f')} s, RSS after load "
        f"{fmt(mem.get('rss_mb'))} MB (peak {fmt(mem.get('peak_rss_mb'))} MB)"
    )
    before, after = report["loadavg_before"], report.get("loadavg_after")
    print(
        f"load average before: {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}"
        + (f"; after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}" if after else "")
        + f" ({report['cpus']} CPUs)"
        + ("  — other work on the machine skews the figures" if before[0] > 0.5 else "")
    )
    if report.get("error"):
        print(f"ERROR: the run did not complete: {report['error'].splitlines()[0]}")
    print(f"results: {report['results_file']}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured run (10)")
    ap.add_argument("--warmup", type=float, default=2, help="seconds of discarded warm-up (2)")
    ap.add_argument("--connections", type=int, default=16, help="open connections (16)")
    ap.add_argument("--server-threads", type=int, default=4, help="waitress threads (4)")
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    ap.add_argument("--no-pin", action="store_true", help="do not use taskset")
    ap.add_argument("--courses", type=int, default=2000)
    ap.add_argument("--lessons", type=int, default=20000)
    ap.add_argument("--enrolments", type=int, default=50000)
    ap.add_argument(
        "--reindex", action="store_true", help="also fill the search index (not measured)"
    )
    ap.add_argument("--config", type=Path, default=REPO / "development.ini")
    ap.add_argument("--app", default="entrypoints.web:app", help="WSGI app module:attr")
    ap.add_argument("--startup-timeout", type=float, default=60)
    ap.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temp instance dir")
    ap.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not ensure_wrk(not args.no_install):
        log("ERROR: this benchmark needs wrk (apt-get install -y wrk)")
        return 2
    pinned = not args.no_pin and can_pin([args.server_cpu, args.load_cpu])
    server_cpu = args.server_cpu if pinned else None
    load_cpu = args.load_cpu if pinned else None
    loadavg = os.getloadavg()
    log(f"load average {loadavg[0]:.2f} {loadavg[1]:.2f} {loadavg[2]:.2f}")
    if loadavg[0] > 0.5:
        log("WARNING: other work on this machine skews the figures")
    workdir = Path(tempfile.mkdtemp(prefix="lh-catalog-bench-"))
    started_at = dt.datetime.now(dt.UTC)
    report: dict = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg,
        "pinned": {"server_cpu": server_cpu, "load_cpu": load_cpu} if pinned else False,
        "params": {
            "duration": args.duration,
            "warmup": args.warmup,
            "connections": args.connections,
            "server_threads": args.server_threads,
            "courses": args.courses,
            "lessons": args.lessons,
            "enrolments": args.enrolments,
            "app": args.app,
        },
        "goals": {
            "anonymous": {"ratio_ge": HELLO_RATIO_GOAL, "p99_ms_lt": ANON_P99_GOAL_MS},
            "signed_in": {"p99_ms_lt": SIGNED_IN_P99_GOAL_MS},
        },
        "hello": {},
        "app": {},
    }
    servers: list[Server] = []
    rc = 0
    try:
        env = make_instance(workdir, args.config)
        seed = seed_instance(env, args)
        report["seed"] = {k: v for k, v in seed.items() if k != "cookie"}
        specs = targets(seed)

        hello = Server(
            "hello", "hello_app:app", [str(BENCH_DIR)], dict(os.environ), workdir,
            args.server_threads, server_cpu,
        )  # fmt: skip
        servers.append(hello)
        hello.start(args.startup_timeout)
        report["hello"] = measure(hello, specs[0], {"Host": TENANT_HOST}, args, load_cpu)
        hello.stop()

        app = Server("app", args.app, [str(REPO)], env, workdir, args.server_threads, server_cpu)
        servers.append(app)
        app.start(args.startup_timeout)
        report["app"]["startup_s"] = app.startup_s
        for spec in specs:
            headers = {"Host": TENANT_HOST}
            if spec["signed_in"]:
                headers["Cookie"] = seed["cookie"]
            entry = measure(app, spec, headers, args, load_cpu)
            entry["goal"] = goal_of(spec)
            report["app"][spec["name"]] = entry
        report["app"]["memory"] = read_rss_mb(app.proc.pid) if app.proc else {}
        app.stop()
        failed = [r for r in report["app"].values() if isinstance(r, dict) and r.get("non_2xx_3xx")]
        if failed:  # the workdir goes away: keep what the server said about them
            report["app"]["server_log_tail"] = app.log_tail(6000)
    except BenchError as exc:
        log(f"ERROR: {exc}")
        report["error"] = str(exc)
        rc = 2
    except KeyboardInterrupt:
        report["error"] = "interrupted"
        rc = 130
    finally:
        for s in servers:
            s.stop()
        if args.keep_tmp:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report["loadavg_after"] = os.getloadavg()
    evaluate(report)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"catalog-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n")
    try:
        report["results_file"] = str(out.relative_to(REPO))
    except ValueError:
        report["results_file"] = str(out)
    print_report(report)
    goals = [
        r.get("goal_met") for r in report["app"].values() if isinstance(r, dict) and "goal" in r
    ]
    if rc == 0 and args.check and not (goals and all(goals)):
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
