"""A test plugin with typed settings and a secret: ``cfgmailer`` (no tables).

``GET /cfgmailer/info`` answers what ``request.plugin_settings("cfgmailer")`` gives
(through the tenant snapshot the kernel caches), with the secret revealed only as a
SHA-256 digest.
"""

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pyramid.response import Response

from learninghub.manifest import PluginManifest
from learninghub.secrets import Secret


class MailerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    smtp_host: str = Field("localhost", max_length=200, description="Host to send through")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_password: Secret = Field(Secret(), description="SMTP password")
    use_tls: bool = False
    mode: Literal["live", "test"] = "test"
    recipients: list[str] = Field(default_factory=list)


manifest = PluginManifest(
    name="cfgmailer",
    version="1.0.0",
    title="Mailer (test)",
    description="Settings with a secret, for the config plugin's tests.",
    settings=MailerSettings,
    hidden=True,
)


def info(request):
    s = request.plugin_settings("cfgmailer")
    password = s.smtp_password.reveal(request)
    return Response(
        json_body={
            "smtp_host": s.smtp_host,
            "smtp_port": s.smtp_port,
            "use_tls": s.use_tls,
            "password_set": s.smtp_password.is_set,
            "password_sha256": hashlib.sha256(password.encode()).hexdigest(),
            "repr": repr(s),
        }
    )


def includeme(config):
    config.add_route("cfgmailer.info", "/cfgmailer/info")
    config.add_view(info, route_name="cfgmailer.info", request_method="GET")
