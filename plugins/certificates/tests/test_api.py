"""JSON API: allowed / forbidden / anonymous / cross-tenant for every endpoint, and
invalid inputs."""

from __future__ import annotations

import pytest


@pytest.fixture
def issued(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of
):
    learner = user_factory(tenant)
    instructor = user_factory(tenant, "instructor")
    course = make_course(tenant, title="Welding", instructor=instructor)
    enrol_completed(tenant, course, learner)
    criteria.grade(course, learner, "91.25")
    issue_now(tenant, course, learner, base_url=f"http://{tenant.host}")
    (cert,) = certificates_of(tenant, learner)
    return cert, learner, course, instructor


def _problem(r, status):
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"


def test_me_certificates(issued, tenant, user_factory, client, foreign_client, other_tenant):
    cert, learner, *_ = issued
    r = client(tenant, learner).get("/api/v1/me/certificates")
    assert r.status_int == 200
    (item,) = r.json["items"]
    assert item["code"] == cert.code and item["grade"] == "91.25"
    assert item["verify_url"] == f"http://{tenant.host}/verify/{cert.code}"
    assert item["linkedin_url"].startswith("https://www.linkedin.com/profile/add?")
    assert "certId=" + cert.code in item["linkedin_url"]
    assert client(tenant, user_factory(tenant)).get("/api/v1/me/certificates").json["items"] == []
    _problem(client(tenant).get("/api/v1/me/certificates"), 401)
    _problem(foreign_client(tenant, other_tenant).get("/api/v1/me/certificates"), 401)
    _problem(client(tenant, learner).get("/api/v1/me/certificates?limit=0"), 422)


def test_one_certificate(issued, tenant, other_tenant, user_factory, client, foreign_client):
    cert, learner, course, instructor = issued
    url = f"/api/v1/certificates/{cert.id}"
    assert client(tenant, learner).get(url).json["id"] == str(cert.id)
    assert client(tenant, user_factory(tenant, "admin")).get(url).status_int == 200
    _problem(client(tenant, user_factory(tenant)).get(url), 404)
    _problem(client(tenant, instructor).get(url), 404)
    _problem(client(tenant).get(url), 401)
    _problem(foreign_client(tenant, other_tenant).get(url), 401)
    _problem(client(other_tenant, user_factory(other_tenant, "admin")).get(url), 404)
    _problem(client(tenant, learner).get("/api/v1/certificates/not-a-uuid"), 404)


def test_admin_list_and_filters(issued, tenant, other_tenant, user_factory, client):
    cert, learner, course, _ = issued
    admin = client(tenant, user_factory(tenant, "admin"))
    assert [i["id"] for i in admin.get("/api/v1/certificates").json["items"]] == [str(cert.id)]
    assert admin.get("/api/v1/certificates?status=revoked").json["items"] == []
    assert len(admin.get(f"/api/v1/certificates?course_id={course.id}").json["items"]) == 1
    assert len(admin.get(f"/api/v1/certificates?user_id={learner.id}").json["items"]) == 1
    _problem(admin.get("/api/v1/certificates?status=bogus"), 422)
    _problem(admin.get("/api/v1/certificates?course_id=nope"), 422)
    _problem(client(tenant, learner).get("/api/v1/certificates"), 403)
    _problem(client(tenant).get("/api/v1/certificates"), 401)
    other = client(other_tenant, user_factory(other_tenant, "admin"))
    assert other.get("/api/v1/certificates").json["items"] == []


def test_pagination(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, client
):
    learner = user_factory(tenant)
    for _ in range(3):
        course = make_course(tenant, lessons=1)
        enrol_completed(tenant, course, learner)
        issue_now(tenant, course, learner)
    c = client(tenant, learner)
    first = c.get("/api/v1/me/certificates?limit=2").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = c.get(f"/api/v1/me/certificates?limit=2&cursor={first['next_cursor']}").json
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    ids = {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]}
    assert len(ids) == 3


def test_revoke(issued, tenant, other_tenant, user_factory, client, foreign_client):
    cert, learner, course, instructor = issued
    url = f"/api/v1/certificates/{cert.id}/revoke"
    _problem(client(tenant).post_json(url, {"reason": "Fraud"}), 401)
    _problem(client(tenant, learner).post_json(url, {"reason": "Fraud"}), 403)
    _problem(client(tenant, instructor).post_json(url, {"reason": "Fraud"}), 403)
    _problem(foreign_client(tenant, other_tenant).post_json(url, {"reason": "Fraud"}), 401)
    _problem(
        client(other_tenant, user_factory(other_tenant, "admin")).post_json(
            url, {"reason": "Fraud"}
        ),
        404,
    )
    admin = client(tenant, user_factory(tenant, "admin"))
    for bad in (
        {},
        {"reason": ""},
        {"reason": "ab"},
        {"reason": "x" * 501},
        {"reason": "Fraud", "extra": 1},
    ):
        r = admin.post_json(url, bad)
        _problem(r, 422)
        assert r.json["errors"]
    r = admin.post_json(url, {"reason": "Fraud"})
    assert r.status_int == 200 and r.json["status"] == "revoked"
    assert r.json["revoked_reason"] == "Fraud" and r.json["revoked_at"]
    _problem(admin.post_json(url, {"reason": "Fraud again"}), 409)


def test_reissue_rules(issued, tenant, user_factory, client, criteria, set_template):
    cert, learner, course, _ = issued
    admin = client(tenant, user_factory(tenant, "admin"))
    url = f"/api/v1/certificates/{cert.id}/reissue"
    _problem(admin.post_json(url, {}), 409)  # still valid
    admin.post_json(f"/api/v1/certificates/{cert.id}/revoke", {"reason": "Mistake?"})
    _problem(client(tenant, learner).post_json(url, {}), 403)
    set_template(tenant, course, min_grade="95")
    r = admin.post_json(url, {})
    _problem(r, 409)
    assert r.json["errors"][0]["type"] == "not_eligible"
    criteria.grade(course, learner, "96")
    r = admin.post_json(url, {})
    assert r.status_int == 201 and r.json["replaces_id"] == str(cert.id)
    assert r.headers["Location"].endswith(f"/api/v1/certificates/{r.json['id']}")
    _problem(admin.post_json(url, {}), 409)  # the learner holds a valid one again


def test_course_template_api(
    issued, tenant, other_tenant, user_factory, client, foreign_client, make_course
):
    cert, learner, course, instructor = issued
    url = f"/api/v1/courses/{course.id}/certificate-template"
    c = client(tenant, instructor)
    r = c.get(url)
    assert r.status_int == 200 and r.json["title"] == "" and r.json["min_grade_percent"] is None
    body = {
        "title": "Welding certificate",
        "body": "{learner_name} welds: {level}",
        "signer_name": "Rosie",
        "custom_fields": [{"key": "level", "label": "Level", "value": "Expert"}],
        "min_grade_percent": "80.5",
    }
    r = c.put_json(url, body)
    assert r.status_int == 200, r.text
    assert r.json["min_grade_percent"] == "80.50" and r.json["custom_fields"][0]["key"] == "level"
    assert c.get(url).json["title"] == "Welding certificate"
    # invalid inputs
    for bad in (
        {"min_grade_percent": "100.01"},
        {"min_grade_percent": "-1"},
        {"min_grade_percent": "12.345"},
        {"title": "x" * 201},
        {"custom_fields": [{"key": "Bad Key", "label": "x"}]},
        {"custom_fields": [{"key": "date", "label": "x"}]},
        {"custom_fields": [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}]},
        {"custom_fields": [{"key": f"k{i}", "label": "x"} for i in range(11)]},
        {"signature_asset_id": "not-a-uuid"},
        {"unknown": 1},
    ):
        _problem(c.put_json(url, bad), 422)
    r = c.put_json(url, {"signature_asset_id": "00000000-0000-0000-0000-000000000001"})
    _problem(r, 422)
    assert r.json["errors"][0]["path"] == ["body", "signature_asset_id"]
    # who may
    _problem(client(tenant, learner).get(url), 403)
    _problem(client(tenant, learner).put_json(url, body), 403)
    _problem(client(tenant, user_factory(tenant, "instructor")).put_json(url, body), 403)
    assert client(tenant, user_factory(tenant, "admin")).put_json(url, body).status_int == 200
    _problem(client(tenant).get(url), 401)
    _problem(foreign_client(tenant, other_tenant).get(url), 401)
    _problem(client(other_tenant, user_factory(other_tenant, "admin")).get(url), 404)
    _problem(c.get("/api/v1/courses/not-a-uuid/certificate-template"), 404)


def test_signature_image_is_drawn(issued, tenant, user_factory, client, page_browser):
    """A ready media image uploaded by the instructor becomes the course's signature:
    accepted by the API and drawn on the preview PDF; another user's image is refused."""
    import io

    from pypdf import PdfReader

    from learninghub.testing.pages import solid_png

    cert, learner, course, instructor = issued
    c = client(tenant, instructor)
    preview = f"/teach/courses/{course.id}/certificate/preview.pdf"

    def images() -> int:
        body = page_browser(tenant, instructor).get(preview).body
        return len(PdfReader(io.BytesIO(body)).pages[0].images)

    assert images() == 0
    r = c.post("/api/v1/media", upload_files=[("file", "sig.png", solid_png(120, 40, (9, 9, 9)))])
    assert r.status_int == 201, r.text
    url = f"/api/v1/courses/{course.id}/certificate-template"
    r = c.put_json(url, {"signature_asset_id": r.json["id"], "signer_name": "Rosie"})
    assert r.status_int == 200, r.text
    assert images() == 1
    other = user_factory(tenant, "instructor")
    r = client(tenant, other).post(
        "/api/v1/media", upload_files=[("file", "x.png", solid_png(10, 10, (1, 1, 1)))]
    )
    assert r.status_int == 201
    _problem(c.put_json(url, {"signature_asset_id": r.json["id"]}), 422)


def test_certificate_events_are_subscribable_through_webhooks(tenant_factory, user_factory, client):
    events = {
        "certificates.certificate.issued",
        "certificates.certificate.revoked",
        "certificates.certificate.superseded",
        "certificates.certificate.reissued",
    }

    def names(tenant):
        r = client(tenant, user_factory(tenant, "admin")).get("/api/v1/webhooks/event-types")
        assert r.status_int == 200, r.text
        return {t["name"] for t in r.json}

    assert events <= names(tenant_factory())
    assert not events & names(tenant_factory(plugins=["webhooks"]))
