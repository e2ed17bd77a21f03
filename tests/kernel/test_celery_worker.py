"""A real Celery worker against the local Redis: tasks enqueued after commit only,
run in their own transaction with the tenant bound, effect visible in the database."""

import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
import sqlalchemy as sa
import transaction

REDIS = os.environ.get("LEARNINGHUB_TEST_REDIS_URL")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REDIS, reason="needs LEARNINGHUB_TEST_REDIS_URL"),
]
HERE = os.path.dirname(__file__)
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "fakeplugins"))


def broker_url() -> str:
    u = sa.engine.make_url(REDIS)
    return u.set(database="13").render_as_string(hide_password=False)


@pytest.fixture
def worker_env(tmp_path, lh_database_url):
    from learninghub.testing.plugin import create_database, drop_database

    base = os.environ.get("LEARNINGHUB_TEST_DATABASE_URL")
    db_url = create_database(base, "lhworker") if base else f"sqlite:///{tmp_path}/w.sqlite"
    ini = tmp_path / "worker.ini"
    ini.write_text(
        textwrap.dedent(f"""
        [app:main]
        use = egg:learninghub
        environment = test
        secret.key = worker-test-secret-0123456789abcdef0123
        db.url = {db_url}
        storage.path = {tmp_path}/files
        search.path = {tmp_path}/search
        mail.path = {tmp_path}/mail
        tenancy.base_domain = learninghub.test
        tasks.backend = celery
        celery.broker_url = {broker_url()}
        log.level = warning
    """)
    )
    # make the fake plugin discoverable through an entry point in the worker process
    dist = tmp_path / "site" / "lhfake_alpha-1.2.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: lhfake-alpha\nVersion: 1.2.0\n")
    (dist / "entry_points.txt").write_text("[learninghub.plugins]\nalpha = lhfake_alpha\n")
    import redis

    client = redis.Redis.from_url(broker_url())
    client.delete("default")
    yield {"ini": str(ini), "db_url": db_url, "site": str(tmp_path / "site"), "redis": client}
    client.delete("default")
    if base:
        drop_database(db_url)


def test_real_worker_runs_task_after_commit_only(worker_env):
    import lhfake_alpha
    from learninghub import configure
    from learninghub.cli import read_settings
    from learninghub.config import collect_settings
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import User, create_user
    from learninghub.migrate import upgrade
    from learninghub.plugins import TenantPlugins
    from learninghub.tasks import make_tenant_request
    from learninghub.tenancy import Tenant

    raw = read_settings(worker_env["ini"])
    upgrade(collect_settings(raw, environ={}))
    config = configure(raw, environ={}, extra_plugins=[lhfake_alpha])
    registry = config.registry

    tm = transaction.TransactionManager(explicit=True)
    with tm:
        request = make_tenant_request(registry, None, tm)
        session = system_session(request.db)
        tenant = Tenant(slug="worker", name="Worker")
        session.add(tenant)
        session.flush()
        bind_tenant(session, tenant.id)
        TenantPlugins(registry, session, tenant).enable("alpha")
        user = create_user(session, registry["passwords"], "w@example.org", "password123")
        user_id, tenant_id = str(user.id), tenant.id
    registry["tenancy.resolver"].invalidate()
    info = registry["tenancy.resolver"].by_id(tenant_id)

    # 1. an aborted transaction enqueues nothing
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    request = make_tenant_request(registry, info, tm)
    request.tasks.enqueue("alpha.rename_user", user_id=user_id, name="never")
    tm.abort()
    assert worker_env["redis"].llen("default") == 0

    # 2. a committed one sends exactly one message, after commit
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    request = make_tenant_request(registry, info, tm)
    request.tasks.enqueue("alpha.rename_user", user_id=user_id, name="renamed by worker")
    assert worker_env["redis"].llen("default") == 0  # not before commit
    tm.commit()
    assert worker_env["redis"].llen("default") == 1

    env = dict(
        os.environ,
        LEARNINGHUB_CONFIG=worker_env["ini"],
        PYTHONPATH=os.pathsep.join([worker_env["site"], os.path.join(HERE, "fakeplugins"), ROOT]),
    )
    env.pop("LEARNINGHUB_TEST_DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "entrypoints.worker",
            "worker",
            "-Q",
            "default",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        engine = registry["db.engine"]
        deadline = time.monotonic() + 60
        name = None
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                name = conn.execute(
                    sa.select(User.__table__.c.display_name).where(
                        User.__table__.c.id == uuid.UUID(user_id)
                    )
                ).scalar()
            if name == "renamed by worker" or proc.poll() is not None:
                break
            time.sleep(0.2)
        assert name == "renamed by worker", proc.stdout.read1().decode() if proc.poll() else name
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        engine.dispose()
