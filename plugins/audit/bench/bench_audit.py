"""Measure what the audit trail costs: request overhead, sealing, verification, export.

    .venv/bin/python plugins/audit/bench/bench_audit.py              # SQLite in a temp dir
    .venv/bin/python plugins/audit/bench/bench_audit.py --db postgresql://me@127.0.0.1/postgres

On PostgreSQL a fresh database ``lhauditbench_<random>`` is created on that server and
dropped at the end. Only the audit plugin is loaded (``plugins.autoload = false``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import timedelta

import transaction
import webtest

from learninghub import configure
from learninghub.cli import Env, create_tenant
from learninghub.config import collect_settings
from learninghub.db import utcnow
from learninghub.identity import create_user, issue_access_token
from learninghub.migrate import upgrade
from learninghub.tasks import make_tenant_request
from learninghub.testing.plugin import create_database, drop_database, make_test_settings
from learninghub_audit.export import to_csv
from learninghub_audit.models import AuditEvent
from learninghub_audit.sealer import seal_pending
from learninghub_audit.verify import verify_chain

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def in_tx(registry, tenant, work):
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, tenant, tm)
    with tm:
        result = work(request)
    request.db.close()
    return result


def request_overhead(config, env, requests: int) -> dict[str, float]:
    """Median CPU time (``time.process_time``: robust to other load on the machine)
    of an audited admin action, for a tenant without and with the plugin; requests
    alternate between the two tenants."""
    registry = config.registry
    app = webtest.TestApp(config.make_wsgi_app())
    clients = {}
    for slug, plugins in (("plain", []), ("audited", ["audit"])):
        with env.tenant_request(None) as request:
            create_tenant(registry, request.db, slug, slug, plugins)
        registry["tenancy.resolver"].invalidate()
        with env.tenant_request(slug) as request:
            user = create_user(request.db, registry["passwords"], f"a@{slug}.x", None, ("admin",))
            tenant_id = request.tenant.id
        token, _ = issue_access_token(registry.settings, user, tenant_id)
        clients[slug] = (
            {"Authorization": f"Bearer {token}"},
            {"HTTP_HOST": f"{slug}.learninghub.test", "REMOTE_ADDR": "127.0.0.1"},
        )
    samples: dict[str, list[float]] = {slug: [] for slug in clients}
    for i in range(requests + 10):
        for slug, (headers, environ) in clients.items():
            start = time.process_time()
            r = app.patch_json(
                "/api/v1/tenant/settings",
                {"name": f"{slug} {i}"},
                headers=headers,
                extra_environ=environ,
            )
            elapsed = time.process_time() - start
            assert r.status_int == 200, r.text
            if i >= 10:  # warm-up
                samples[slug].append(elapsed * 1000)
    return {slug: statistics.median(values) for slug, values in samples.items()}


def chain_costs(config, rows: int) -> dict[str, float]:
    registry = config.registry
    env = Env("unused.ini")
    env._config = config
    with env.tenant_request(None) as request:
        create_tenant(registry, request.db, "bulk", "bulk", ["audit"])
    registry["tenancy.resolver"].invalidate()
    tenant = registry["tenancy.resolver"].by_slug("bulk")
    now = utcnow()

    def insert(request):
        for i in range(rows):
            request.db.add(
                AuditEvent(
                    occurred_at=now - timedelta(seconds=rows - i),
                    action="accounts.signin.succeeded",
                    actor_id=uuid.uuid4(),
                    actor_label=f"user{i}@example.org",
                    resource_type="user",
                    resource_id=str(uuid.uuid4()),
                    details={"ip": "203.0.113.7"},
                    ip="203.0.113.7",
                    user_agent="Mozilla/5.0 (X11; Linux x86_64) bench",
                    request_id=uuid.uuid4().hex,
                    event_id=uuid.uuid4(),
                )
            )
        request.db.flush()

    in_tx(registry, tenant, insert)
    sealed, seal_s = timed(
        lambda: in_tx(registry, tenant, lambda r: seal_pending(r.db, tenant.id, SECRET))
    )
    assert sealed.sealed == rows
    result, verify_s = timed(
        lambda: in_tx(registry, tenant, lambda r: verify_chain(r.db, tenant.id, SECRET))
    )
    assert result.ok and result.checked == rows

    def export(request):
        import sqlalchemy as sa

        return to_csv(request.db.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))

    (text, count), export_s = timed(lambda: in_tx(registry, tenant, export))
    assert count == rows
    return {
        "rows": rows,
        "seal_rows_per_s": rows / seal_s,
        "verify_rows_per_s": rows / verify_s,
        "export_rows_per_s": rows / export_s,
        "export_bytes_per_row": len(text.encode()) / rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=None, help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = create_database(args.db, "lhauditbench") if args.db else f"sqlite:///{tmp}/b.sqlite"
        try:
            raw = make_test_settings(
                tmp,
                url,
                **{
                    "secret.key": SECRET,
                    "plugins.autoload": "false",
                    "plugins.load": "audit",
                    "ratelimit.enabled": "false",
                    "metrics.enabled": "false",
                    "db.rls": "true" if args.db else "false",
                },
            )
            upgrade(collect_settings(raw, environ={}))
            config = configure(raw, environ={})
            env = Env("unused.ini")
            env._config = config
            backend = "postgresql" if args.db else "sqlite"
            medians = request_overhead(config, env, args.requests)
            print(
                f"[{backend}] PATCH /api/v1/tenant/settings, median CPU of {args.requests}: "
                f"without audit {medians['plain']:.2f} ms, with audit {medians['audited']:.2f} ms "
                f"(+{medians['audited'] - medians['plain']:.2f} ms: recording and sealing)"
            )
            costs = chain_costs(config, args.rows)
            print(
                f"[{backend}] {costs['rows']} rows: seal {costs['seal_rows_per_s']:.0f} rows/s, "
                f"verify {costs['verify_rows_per_s']:.0f} rows/s, "
                f"CSV export {costs['export_rows_per_s']:.0f} rows/s "
                f"({costs['export_bytes_per_row']:.0f} bytes/row)"
            )
            config.registry["db.engine"].dispose()
        finally:
            if args.db:
                drop_database(url)


if __name__ == "__main__":
    main()
