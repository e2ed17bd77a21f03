"""``learninghub streaming requeue-stale``: the sweep for lost workers and lost task
messages (in-process with click's runner, on the test app's registry)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub_streaming.transcoding import services
from learninghub_streaming.transcoding.models import Stream


@pytest.fixture
def invoke(registry):
    from click.testing import CliRunner

    from learninghub.cli import Env
    from learninghub_streaming import cli

    class TestEnv(Env):
        @property
        def registry(self):
            return registry

    def run(*args: str):
        return CliRunner().invoke(cli.streaming, list(args), obj=TestEnv("unused.ini"))

    return run


def test_requeue_stale_queues_lost_streams_only(
    db, tenant, other_tenant, clips, clip_asset, stream_row, invoke, dispatched
):
    now = utcnow()

    def stream(status, age_s, tenant_=tenant):
        asset = clip_asset(tenant_, clips.video())
        row = Stream(tenant_id=tenant_.id, asset_id=asset.id, status=status, attempts=1)
        db.add(row)
        db.flush()
        row.updated_at = now - timedelta(seconds=age_s)
        db.flush()
        return row

    lost_worker = stream("processing", services.STALE_SECONDS + 60)
    working = stream("processing", 30)
    lost_message = stream("queued", 2 * 3600)
    just_queued = stream("queued", 60)
    failed = stream("failed", 10 * 3600)
    foreign = stream("processing", 3600, other_tenant)

    result = invoke("requeue-stale", "--tenant", tenant.slug)
    assert result.exit_code == 0, result.output
    assert f"{tenant.slug}: 2 requeued, 0 downloads requeued" in result.output
    assert stream_row(lost_worker.id).status == "queued"
    assert stream_row(lost_message.id).status == "queued"
    assert stream_row(working.id).status == "processing"
    assert stream_row(just_queued.id).status == "queued"
    assert stream_row(failed.id).status == "failed"
    assert stream_row(foreign.id).status == "processing"  # another tenant's: not this run
    tasks = sorted(m.kwargs["stream_id"] for m in dispatched if m.name == services.TRANSCODE_TASK)
    assert tasks == sorted([str(lost_worker.id), str(lost_message.id)])

    # an allowed download whose preparation lost its worker is queued again
    from learninghub_streaming.downloads.services import PREPARE_TASK

    ready = stream("ready", 30)
    ready.downloadable, ready.download_status = True, "processing"
    db.flush()
    ready.updated_at = now - timedelta(seconds=services.STALE_SECONDS + 60)
    db.flush()
    result = invoke("requeue-stale", "--tenant", tenant.slug)
    assert f"{tenant.slug}: 0 requeued, 1 downloads requeued" in result.output
    assert [m.kwargs["stream_id"] for m in dispatched if m.name == PREPARE_TASK] == [str(ready.id)]

    result = invoke("requeue-stale", "--tenant", "nope")
    assert result.exit_code != 0 and "unknown tenant" in result.output
    result = invoke("requeue-stale", "--queued-minutes", "0")
    assert result.exit_code != 0
