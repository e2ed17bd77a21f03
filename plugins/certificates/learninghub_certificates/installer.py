"""Per-tenant install, upgrade, uninstall and purge of the certificates plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer

from .models import CertificateTemplate


def seed_default_template(db, tenant_name: str) -> CertificateTemplate:
    """The tenant's default template, created when missing (idempotent)."""
    from .services import get_template

    template = get_template(db, None)
    if template is None:
        template = CertificateTemplate(
            course_id=None,
            title="Certificate of completion",
            body="This certifies that {learner_name} has successfully completed the course "
            "{course_title} on {date}.",
            signer_name=tenant_name[:200],
            signer_title="Director of Studies",
            custom_fields=[],
        )
        db.add(template)
        db.flush()
    return template


class CertificatesInstaller(Installer):
    """No initial data: the built-in text applies until an admin writes a default
    template, and the tenant's signing key is created on first use. Purge (inherited)
    deletes certificates, templates and keys."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create (idempotent by construction)."""
