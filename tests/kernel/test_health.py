"""Health, readiness and metrics."""

import os


def test_healthz_needs_no_tenant(client):
    r = client(None, host="any.invalid").get("/healthz")
    assert r.status_int == 200 and r.json == {"status": "ok"}


def test_readyz_reports_every_check(tenant, client):
    r = client(tenant).get("/readyz")
    assert r.status_int == 200, r.text
    assert set(r.json["checks"]) >= {"database", "storage", "cache"}


def test_readyz_is_503_when_storage_is_not_writable(tenant, client, lh_settings):
    root = lh_settings["storage.path"]
    moved = root + ".moved"
    os.makedirs(root, exist_ok=True)
    os.rename(root, moved)
    with open(root, "w") as blocker:  # a file where the directory should be: fails even as root
        blocker.write("not a directory")
    try:
        r = client(tenant).get("/readyz")
    finally:
        os.unlink(root)
        os.rename(moved, root)
    assert r.status_int == 503
    assert r.json["status"] == "unavailable"
    assert r.json["checks"]["storage"]["status"] == "failed"
    assert r.json["checks"]["database"]["status"] == "ok"
    assert client(tenant).get("/readyz").status_int == 200


def test_metrics_count_requests_by_route(tenant, client):
    client(tenant).get("/healthz")
    r = client(tenant).get("/metrics")
    assert r.status_int == 200
    assert 'learninghub_http_requests_total{method="GET",route="healthz",status="200"}' in r.text
    assert "learninghub_http_request_duration_seconds_bucket" in r.text
