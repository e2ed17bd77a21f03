"""Pieces of the benchmark harness that know nothing of Learning Hub: CPU pinning,
small HTTP helpers, a waitress server process with start-up timing, and the load
generators (wrk, or the Python fallback in ``loadgen.py``)."""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

LOADGEN = Path(__file__).resolve().parent / "loadgen.py"


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    pass


# Runs inside the server process: import the WSGI app, bind an ephemeral port, write
# the port to a file (the harness polls it), serve (same for both servers). argv: module:attr threads
# port-file sys.path entries...
SERVER_CODE = r"""
import importlib, os, sys
spec, threads, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path[:0] = sys.argv[4:]
module_name, _, attr = spec.partition(":")
app = getattr(importlib.import_module(module_name), attr or "app")
# 16 connections on 4 threads queue by design: waitress' per-request "Task queue
# depth" warnings would only measure the logging set-up.
import logging
logging.getLogger("waitress.queue").setLevel(logging.ERROR)
from waitress import create_server
server = create_server(app, host="127.0.0.1", port=0, threads=threads)
tmp = port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.effective_port))
os.replace(tmp, port_file)
server.run()
"""


def _die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM if the harness dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def pin_prefix(cpu: int | None) -> list[str]:
    if cpu is None:
        return []
    return ["taskset", "-c", str(cpu)]


def can_pin(cpus: list[int]) -> bool:
    if not shutil.which("taskset"):
        log("WARNING: taskset not found; server and load generator are not pinned")
        return False
    allowed = os.sched_getaffinity(0)
    if not all(c in allowed for c in cpus):
        log(f"WARNING: CPUs {cpus} not all available (have {sorted(allowed)}); not pinning")
        return False
    return True


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def http_post_json(
    port: int, path: str, body: dict, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def read_rss_mb(pid: int) -> dict[str, float | None]:
    out: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_mb"] = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    out["peak_rss_mb"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


class Server:
    def __init__(
        self,
        name: str,
        spec: str,
        paths: list[str],
        env: dict[str, str],
        workdir: Path,
        threads: int,
        cpu: int | None,
    ) -> None:
        self.name = name
        self.spec = spec
        self.paths = paths
        self.env = env
        self.workdir = workdir
        self.threads = threads
        self.cpu = cpu
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path = workdir / f"server-{name}.log"
        self.startup_s: float | None = None

    def start(self, timeout: float) -> None:
        port_file = self.workdir / f"server-{self.name}.port"
        port_file.unlink(missing_ok=True)
        cmd = pin_prefix(self.cpu) + [
            sys.executable,
            "-c",
            SERVER_CODE,
            self.spec,
            str(self.threads),
            str(port_file),
            *self.paths,
        ]
        log(
            f"starting {self.name}: {self.spec} (waitress, {self.threads} threads"
            + (f", CPU {self.cpu})" if self.cpu is not None else ")")
        )
        t0 = time.monotonic()
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(
                cmd,
                env=self.env,
                stdout=logf,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=str(self.workdir),
                preexec_fn=_die_with_parent,
            )
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.proc.returncode}\n{self.log_tail()}"
                )
            if self.port is None and port_file.exists():
                self.port = int(port_file.read_text())
            if self.port is not None:
                try:
                    status, _ = http_get(self.port, "/healthz", timeout=2)
                    if status == 200:
                        self.startup_s = time.monotonic() - t0
                        log(
                            f"{self.name} answered /healthz on port {self.port} "
                            f"after {self.startup_s:.2f}s"
                        )
                        return
                except OSError:
                    pass
            time.sleep(0.01)
        raise BenchError(
            f"{self.name}: /healthz not answering after {timeout:.0f}s\n{self.log_tail()}"
        )

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(output: str) -> dict[str, object]:
    res: dict[str, object] = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", output)
    res["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M)
        res[f"p{pct}_ms"] = _to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", output)
    res["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    res["non_2xx_3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return res


def run_wrk(
    url: str,
    headers: dict[str, str],
    *,
    connections: int,
    threads: int,
    duration: float,
    cpu: int | None,
) -> dict[str, object]:
    cmd = pin_prefix(cpu) + [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 30, preexec_fn=_die_with_parent
    )
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()}")
    res = parse_wrk(proc.stdout)
    res["raw"] = proc.stdout
    return res


def run_python_load(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    connections: int,
    duration: float,
    cpu: int | None,
) -> dict[str, object]:
    cmd = pin_prefix(cpu) + [
        sys.executable,
        str(LOADGEN),
        str(port),
        path,
        str(connections),
        str(duration),
        json.dumps(headers),
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 30, preexec_fn=_die_with_parent
    )
    if proc.returncode != 0:
        raise BenchError(f"python load generator failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def ensure_wrk(allow_install: bool) -> str | None:
    """Path of wrk, installing Debian's package when missing and root; None if unavailable."""
    found = shutil.which("wrk")
    if found or not allow_install:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("WARNING: wrk is missing and cannot be installed (not root or no apt-get)")
        return None
    log("wrk missing: apt-get install -y wrk")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (
        ["apt-get", "install", "-y", "-qq", "wrk"],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "wrk"],
    ):
        try:
            subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
        except subprocess.TimeoutExpired:
            log(f"WARNING: {' '.join(cmd)} timed out")
            break
        if shutil.which("wrk"):
            break
    found = shutil.which("wrk")
    if not found:
        log("WARNING: could not install wrk")
    return found


def page_session_cookie(
    registry, email: str, tenant_slug: str = "demo", lifetime: int = 3600
) -> str:
    """A page-session cookie for ``email``, made as the sign-in form would."""
    import sqlalchemy as sa
    import transaction

    from learninghub.accounts.sessions import PAGE, create_session
    from learninghub.identity import User
    from learninghub.tasks import make_tenant_request

    tenant = registry["tenancy.resolver"].by_slug(tenant_slug)
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, tenant, tm)
    tm.begin()
    try:
        user = request.db.scalars(sa.select(User).where(User.email == email)).one()
        _, token = create_session(request, user, PAGE, lifetime)
        tm.commit()
    except BaseException:
        tm.abort()
        raise
    return f"lh_session={token}"
