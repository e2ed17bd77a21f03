"""Links to a certificate: the LinkedIn "add to profile" URL."""

from __future__ import annotations

from urllib.parse import urlencode

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate, organization_name: str) -> str:
    from .services import verify_url

    return (
        LINKEDIN_ADD
        + "?"
        + urlencode(
            {
                "startTask": "CERTIFICATION_NAME",
                "name": certificate.course_title,
                "organizationName": organization_name,
                "issueYear": certificate.issued_at.year,
                "issueMonth": certificate.issued_at.month,
                "certUrl": verify_url(certificate),
                "certId": certificate.code,
            }
        )
    )
