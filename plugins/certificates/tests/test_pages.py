"""Pages: my certificates, detail, PDF, public verification (valid → revoked →
superseded after a rename), admin list and actions, template editors; every route
allowed / forbidden / anonymous / cross-tenant."""

from __future__ import annotations

import pytest

from learninghub.testing.plugin_contract import PluginContractTests


class TestCertificatesContract(PluginContractTests):
    plugin = "certificates"
    probes = [
        ("GET", "/api/v1/me/certificates"),
        ("GET", "/certificates"),
        ("GET", "/.well-known/did.json"),
        ("GET", "/certificates/keys.json"),
        ("GET", "/admin/certificates"),
    ]

    def create_resource(self, client, tenant, user):
        c = client(tenant, user)
        r = c.post_json("/api/v1/courses", {"title": "Contract course", "slug": "contract-course"})
        assert r.status_int == 201, r.text
        url = f"/api/v1/courses/{r.json['id']}/certificate-template"
        r = c.put_json(url, {"title": "Contract", "min_grade_percent": "50"})
        assert r.status_int == 200, r.text
        return url


@pytest.fixture
def issued(
    tenant, user_factory, make_course, enrol_completed, criteria, issue_now, certificates_of
):
    learner = user_factory(tenant)
    instructor = user_factory(tenant, "instructor")
    course = make_course(tenant, title="Pottery", instructor=instructor)
    enrol_completed(tenant, course, learner)
    issue_now(tenant, course, learner, base_url=f"http://{tenant.host}")
    (cert,) = certificates_of(tenant, learner)
    return cert, learner, course, instructor


def test_verification_page_valid_revoked_superseded(
    issued, tenant, user_factory, client, page_browser, certificates_of, run_task
):
    cert, learner, course, _ = issued
    anon = client(tenant)
    r = anon.get(f"/verify/{cert.code}")
    assert r.status_int == 200
    assert 'data-status="valid"' in r.text and "Pottery" in r.text
    assert learner.display_name in r.text
    assert learner.email not in r.text
    assert r.headers["X-Robots-Tag"] == "noindex"
    assert anon.get(f"/verify/{cert.code}/status.json").json["status"] == "valid"

    # the learner renames themselves: a new certificate supersedes the old one
    r = client(tenant, learner).patch_json("/api/v1/me/profile", {"display_name": "Ada King"})
    assert r.status_int == 200, r.text
    (old,) = [c for c in certificates_of(tenant, learner) if c.code == cert.code]
    (new,) = [c for c in certificates_of(tenant, learner) if c.code != cert.code]
    assert (old.status, new.status) == ("superseded", "valid")
    assert new.learner_name == "Ada King" and new.replaces_id == old.id
    assert new.issued_at == old.issued_at
    r = anon.get(f"/verify/{old.code}")
    assert 'data-status="superseded"' in r.text and "is valid" not in r.text
    assert f"/verify/{new.code}" in r.text
    assert anon.get(f"/verify/{old.code}/status.json").json["superseded_by"].endswith(new.code)
    # renaming again to the same name changes nothing (idempotent task)
    run_task(tenant, "certificates.rename", user_id=str(learner.id), base_url="http://x")
    assert len(certificates_of(tenant, learner)) == 2

    # an admin revokes the current one through the admin page
    admin = user_factory(tenant, "admin")
    browser = page_browser(tenant, admin)
    page = browser.get("/admin/certificates")
    assert page.status_int == 200 and "Ada King" in page.text
    r = browser.submit(
        page,
        f"/admin/certificates/{new.id}/revoke",
        {"reason": "Plagiarism found in the final project"},
    )
    assert r.status_int == 303
    r = anon.get(f"/verify/{new.code}")
    assert 'data-status="revoked"' in r.text
    assert "Plagiarism found in the final project" in r.text
    status = anon.get(f"/verify/{new.code}/status.json").json
    assert status["status"] == "revoked" and status["revoked_reason"].startswith("Plagiarism")


def test_revocation_is_audited(issued, tenant, user_factory, client, db):
    import sqlalchemy as sa

    from learninghub_audit.models import AuditEvent

    cert, *_ = issued
    admin = user_factory(tenant, "admin")
    r = client(tenant, admin).post_json(
        f"/api/v1/certificates/{cert.id}/revoke", {"reason": "Fraud"}
    )
    assert r.status_int == 200
    row = db.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.tenant_id == tenant.id,
            AuditEvent.action == "certificates.certificate.revoked",
        )
    )
    assert row is not None and row.actor_id == admin.id


def test_unknown_and_malformed_codes_are_404(tenant, client):
    c = client(tenant)
    for code in ("abcdefghijkmnpqr", "short", "ABCDEFGHIJKLMNOP", "../../etc/passwd"):
        assert c.get(f"/verify/{code}").status_int == 404
        assert c.get(f"/verify/{code}/credential.json").status_int == 404


def test_a_code_of_tenant_a_is_404_on_tenant_b(issued, other_tenant, client):
    cert, *_ = issued
    c = client(other_tenant)
    assert c.get(f"/verify/{cert.code}").status_int == 404
    assert c.get(f"/verify/{cert.code}/credential.json").status_int == 404
    assert c.get(f"/verify/{cert.code}/status.json").status_int == 404
    assert c.get("/certificates/keys.json").json == {"keys": []}


def test_my_certificates_and_detail_pages(issued, tenant, user_factory, page_client):
    cert, learner, *_ = issued
    r = page_client(tenant, learner).get("/certificates")
    assert r.status_int == 200
    assert "Pottery" in r.text and f"/certificates/{cert.id}/certificate.pdf" in r.text
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in r.text
    r = page_client(tenant, learner).get(f"/certificates/{cert.id}")
    assert r.status_int == 200 and cert.code in r.text
    assert "certId=" + cert.code in r.text
    # another learner: neither the detail nor the PDF
    other = user_factory(tenant)
    assert page_client(tenant, other).get(f"/certificates/{cert.id}").status_int == 404
    assert (
        page_client(tenant, other).get(f"/certificates/{cert.id}/certificate.pdf").status_int == 404
    )
    r = page_client(tenant, other).get("/certificates")
    assert r.status_int == 200 and "Pottery" not in r.text


def test_pdf_for_its_learner_and_admins_only(
    issued, tenant, other_tenant, user_factory, page_client, client, foreign_client
):
    cert, learner, course, instructor = issued
    url = f"/certificates/{cert.id}/certificate.pdf"
    assert page_client(tenant, learner).get(url).content_type == "application/pdf"
    assert page_client(tenant, user_factory(tenant, "admin")).get(url).status_int == 200
    assert page_client(tenant, instructor).get(url).status_int == 404
    r = client(tenant).get(url)
    assert r.status_int == 303 and "/login" in r.headers["Location"]
    assert page_client(other_tenant, user_factory(other_tenant, "admin")).get(url).status_int == 404
    assert (
        page_client(tenant, learner).get("/certificates/not-a-uuid/certificate.pdf").status_int
        == 404
    )


def test_pages_anonymous_go_to_sign_in(tenant, client):
    c = client(tenant)
    for path in ("/certificates", "/admin/certificates", "/admin/certificates/template"):
        r = c.get(path)
        assert r.status_int == 303 and "/login" in r.headers["Location"], path


def test_admin_pages_forbidden_to_learners_and_instructors(tenant, user_factory, page_client):
    for role in ("learner", "instructor"):
        c = page_client(tenant, user_factory(tenant, role))
        assert c.get("/admin/certificates").status_int == 403
        assert c.get("/admin/certificates/template").status_int == 403
        assert c.get("/admin/certificates/template/preview.pdf").status_int == 403


def test_admin_list_filters_and_cross_tenant(
    issued, tenant, other_tenant, user_factory, page_client, page_browser
):
    cert, *_ = issued
    admin = user_factory(tenant, "admin")
    c = page_client(tenant, admin)
    assert "Pottery" in c.get("/admin/certificates?status=valid").text
    assert "Pottery" not in c.get("/admin/certificates?status=revoked").text
    assert "Pottery" in c.get("/admin/certificates?q=pott").text
    assert c.get("/admin/certificates?cursor=garbage").status_int == 400
    other_admin = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    page = other_admin.get("/admin/certificates")
    assert "Pottery" not in page.text
    # an action on another tenant's certificate is a 404
    r = other_admin.submit(page, f"/admin/certificates/{cert.id}/revoke", {"reason": "nope"})
    assert r.status_int == 404
    r = other_admin.submit(page, f"/admin/certificates/{cert.id}/reissue", {})
    assert r.status_int == 404


def test_revoke_needs_a_reason_on_the_page(
    issued, tenant, user_factory, page_browser, certificates_of
):
    cert, learner, *_ = issued
    c = page_browser(tenant, user_factory(tenant, "admin"))
    page = c.get("/admin/certificates")
    r = c.submit(page, f"/admin/certificates/{cert.id}/revoke", {"reason": "x"})
    assert r.status_int == 422 and 'aria-invalid="true"' in r.text
    # without the CSRF token: refused
    r = c.submit(
        page, f"/admin/certificates/{cert.id}/revoke", {"reason": "Long enough"}, csrf=False
    )
    assert r.status_int in (400, 403)
    assert certificates_of(tenant, learner)[0].status == "valid"


def test_tenant_template_editor_and_preview(tenant, user_factory, page_browser, read_pdf, db):
    admin = user_factory(tenant, "admin")
    c = page_browser(tenant, admin)
    page = c.get("/admin/certificates/template")
    assert page.status_int == 200
    fields = {
        "title": "Diploma",
        "body": "Well done {learner_name}, {hours} hours in {course_title}.",
        "signer_name": "Grace Hopper",
        "signer_title": "Dean",
        "cf_key_0": "hours",
        "cf_label_0": "Hours",
        "cf_value_0": "40",
    }
    r = c.submit(page, "/admin/certificates/template", fields)
    assert r.status_int == 303
    r = c.get("/admin/certificates/template/preview.pdf")
    assert r.content_type == "application/pdf"
    text, codes = read_pdf(r.body)
    assert "Diploma" in text and "Grace Hopper" in text and "Hours: 40" in text
    assert "40 hours in Sample course" in text
    assert codes and codes[0].endswith("/verify/preview0preview0")
    # invalid custom field key: re-rendered with the error
    r = c.submit(
        page,
        "/admin/certificates/template",
        {**fields, "cf_key_1": "learner_name", "cf_label_1": "x"},
    )
    assert r.status_int == 422 and 'href="#f-custom_fields"' in r.text
    r = c.submit(
        page,
        "/admin/certificates/template",
        {**fields, "signature_asset_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert r.status_int == 422 and 'href="#f-signature_asset_id"' in r.text


def test_course_template_page_allowed_forbidden(
    issued, tenant, other_tenant, user_factory, page_client, page_browser, client
):
    cert, learner, course, instructor = issued
    url = f"/teach/courses/{course.id}/certificate"
    c = page_browser(tenant, instructor)
    page = c.get(url)
    assert page.status_int == 200
    r = c.submit(page, url, {"min_grade_percent": "75.5", "title": "Pottery diploma"})
    assert r.status_int == 303
    page = c.get(url)
    assert 'value="75.50"' in page.text and 'value="Pottery diploma"' in page.text
    for bad in ("101", "abc", "-1", "50.123"):
        r = c.submit(page, url, {"min_grade_percent": bad})
        assert r.status_int == 422, bad
        assert 'href="#f-min_grade_percent"' in r.text
    assert c.get(url + "/preview.pdf").content_type == "application/pdf"
    # a learner, an instructor of another course, anonymous, another tenant
    assert page_client(tenant, learner).get(url).status_int == 403
    assert page_client(tenant, user_factory(tenant, "instructor")).get(url).status_int == 403
    assert client(tenant).get(url).status_int == 303
    assert page_client(other_tenant, user_factory(other_tenant, "admin")).get(url).status_int == 404
    assert c.get("/teach/courses/nope/certificate").status_int == 404


def test_nav_entry_and_teach_link(issued, tenant, page_client, db):
    cert, learner, course, instructor = issued
    r = page_client(tenant, learner).get("/certificates")
    assert 'href="/certificates"' in r.text
    r = page_client(tenant, instructor).get(f"/teach/{course.id}")
    assert r.status_int == 200
    assert f"/teach/courses/{course.id}/certificate" in r.text
