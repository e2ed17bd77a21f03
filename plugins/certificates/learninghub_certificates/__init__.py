"""Learning Hub plugin: course certificates.

Issued when a learner completes a course and meets its criteria (the hooks of
:mod:`.hookspecs`, answered by the assessment plugin: required quizzes passed, a
minimum grade), in the ``certificates.issue`` task. Each certificate has a PDF (tenant
branding, learner, course, date, signer and signature image, custom fields, QR code
to ``/verify/{code}``), a public verification page (valid / revoked / superseded), and
an Open Badges 3.0 credential signed with the tenant's Ed25519 key (``eddsa-jcs-2022``),
verifiable with the key published at ``/.well-known/did.json``. Admins revoke with a
reason and re-issue; a change of display name supersedes the learner's certificates.
The contract with the assessment plugin is docs/design/assessment-contracts.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import models, tasks  # noqa: F401  (register the tables and tasks)
from .hookspecs import CertificatesSpecs
from .installer import CertificatesInstaller
from .permissions import DEFAULT_GRANTS, CertificatePermission
from .settings import CertificatesSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="certificates",
    version=__version__,
    title="Certificates",
    description="Course certificates: PDF with QR code, public verification, revocation, "
    "and Open Badges 3.0 credentials signed per tenant.",
    requires=("courses", "enrollment"),
    settings=CertificatesSettings,
    permissions=CertificatePermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_certificates:migrations/versions",
    installer=CertificatesInstaller(),
)


def includeme(config) -> None:
    # keys.json before /certificates/{id}: routes match in the order they are added
    config.add_route("certificates.keys", "/certificates/keys.json")
    config.add_route("certificates.page.mine", "/certificates")
    config.add_route("certificates.page.detail", "/certificates/{id}")
    config.add_route("certificates.pdf", "/certificates/{id}/certificate.pdf")
    config.add_route("certificates.verify", "/verify/{code}")
    config.add_route("certificates.credential", "/verify/{code}/credential.json")
    config.add_route("certificates.status", "/verify/{code}/status.json")
    config.add_route("certificates.did", "/.well-known/did.json")
    config.add_route("certificates.admin.template", "/admin/certificates/template")
    config.add_route(
        "certificates.admin.template_preview", "/admin/certificates/template/preview.pdf"
    )
    config.add_route("certificates.admin.list", "/admin/certificates")
    config.add_route("certificates.admin.action", "/admin/certificates/{id}/{action}")
    config.add_route("certificates.teach", "/teach/courses/{course_id}/certificate")
    config.add_route(
        "certificates.teach_preview", "/teach/courses/{course_id}/certificate/preview.pdf"
    )
    config.scan(".api")
    config.scan(".views")
    config.scan(".admin")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(CertificatesSpecs)


@hookimpl
def learninghub_nav_items(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(CertificatePermission.VIEW):
        return []
    return [
        NavItem(
            order=35,
            title=request.gettext("My certificates"),
            url=request.route_path("certificates.page.mine"),
        )
    ]


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(CertificatePermission.MANAGE):
        return []
    return [
        NavItem(
            order=260,
            title=request.gettext("Certificates"),
            url=request.route_path("certificates.admin.list"),
        )
    ]


@hookimpl
def learninghub_courses_teach_links(request, course) -> list[NavItem]:
    """The certificate's template and criteria, for those who may edit the course."""
    from learninghub_courses.services import can_edit

    if not can_edit(request, course):
        return []
    return [
        NavItem(
            order=60,
            title=request.gettext("Certificate"),
            url=request.route_path("certificates.teach", course_id=str(course.id)),
        )
    ]


@hookimpl
def learninghub_domain_event(request, event) -> None:
    """Completion and grade changes queue ``certificates.issue``; a new display name
    queues ``certificates.rename`` (after commit: no writes here). The base URL of the
    request that caused the event goes with them (verification links, issuer DID)."""
    from . import services

    base_url = services.public_base(request)
    if event.name == "course.completed":
        user_id = event.payload.get("user_id")
        if user_id:
            request.tasks.enqueue(
                services.ISSUE_TASK,
                course_id=str(event.resource_id),
                user_id=str(user_id),
                base_url=base_url,
            )
    elif event.name == "assessment.grade.changed":
        course_id, user_id = event.payload.get("course_id"), event.payload.get("user_id")
        if course_id and user_id:
            request.tasks.enqueue(
                services.ISSUE_TASK,
                course_id=str(course_id),
                user_id=str(user_id),
                base_url=base_url,
            )
    elif event.name == "accounts.profile.updated":
        fields = str(event.payload.get("fields") or "").split(",")
        if "display_name" in fields and event.resource_id:
            request.tasks.enqueue(
                services.RENAME_TASK, user_id=str(event.resource_id), base_url=base_url
            )


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return [
        "certificates.certificate.revoked",
        "certificates.certificate.reissued",
        "certificates.template.updated",
    ]


@hookimpl
def learninghub_webhooks_event_types(request) -> list[tuple[str, str]]:
    """Certificate events, for integrations (an HR system recording qualifications);
    their payloads hold ids and codes, the PDF and the signing key never."""
    return [
        ("certificates.certificate.issued", "A certificate was issued to a learner."),
        ("certificates.certificate.revoked", "A certificate was revoked (with its reason)."),
        ("certificates.certificate.superseded", "A certificate was replaced after a rename."),
        ("certificates.certificate.reissued", "A revoked certificate was issued again."),
    ]


@hookimpl
def learninghub_demo_data(request) -> None:
    """A tenant default template (idempotent)."""
    from .installer import seed_default_template

    seed_default_template(request.db, request.tenant.name)
