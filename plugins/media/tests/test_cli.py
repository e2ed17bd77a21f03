"""``learninghub media purge-uploads``: expired unfinished uploads go, with their chunks,
in every tenant (or one); others stay."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from learninghub.cli import Env
from learninghub.db import utcnow
from learninghub_media.cli import media
from learninghub_media.models import MediaUpload


class AppEnv(Env):
    """The CLI's environment on the test app (sessions join the test's transaction)."""

    def __init__(self, registry):
        super().__init__("unused.ini")
        self._registry = registry

    @property
    def registry(self):
        return self._registry


def test_purge_uploads(registry, db, tenant, other_tenant, user_factory, tus, samples, stored):
    data = samples.png()
    started = {}
    for t in (tenant, other_tenant):
        client = tus(t, user_factory(t, "instructor"))
        stale = client.create(len(data), "stale.png").headers["Location"]
        client.patch(stale, 0, data[:1000])
        started[t.slug] = client.create(len(data), "fresh.png").headers["Location"]
    db.execute(
        sa.update(MediaUpload)
        .where(MediaUpload.filename == "stale.png")
        .values(expires_at=utcnow())
    )
    runner = CliRunner()
    env = AppEnv(registry)
    r = runner.invoke(media, ["purge-uploads", "--tenant", tenant.slug], obj=env)
    assert r.exit_code == 0, r.output
    assert f"{tenant.slug}: 1 expired upload(s) purged" in r.output
    assert stored(tenant) == [] and stored(other_tenant) != []
    r = runner.invoke(media, ["purge-uploads"], obj=env)
    assert r.exit_code == 0 and f"{other_tenant.slug}: 1 expired" in r.output
    assert stored(other_tenant) == []
    assert db.scalar(sa.select(sa.func.count()).select_from(MediaUpload)) == 2  # the fresh ones
    r = runner.invoke(media, ["purge-uploads", "--tenant", "nope"], obj=env)
    assert r.exit_code != 0 and "unknown tenant" in r.output
