"""The registry of subscribable events, filled through ``learninghub_webhooks_event_types``.

The webhooks plugin registers the kernel's own events (below) as a starting set;
other plugins add theirs by implementing the hook. Security-internal events (one-time
codes sent, failed MFA steps, session bookkeeping) are deliberately left out.
"""

from __future__ import annotations

from dataclasses import dataclass

#: name of the event sent by the "send test event" button (never emitted otherwise)
TEST_EVENT = "webhooks.test"

#: the kernel's events, registered by this plugin (name -> description)
KERNEL_EVENT_TYPES: dict[str, str] = {
    "accounts.user.signed_up": "A person signed up or accepted an invitation.",
    "accounts.invitation.created": "An admin invited someone by email.",
    "accounts.email.verified": "A user's email address was verified.",
    "accounts.email.changed": "A user changed their email address.",
    "accounts.profile.updated": "A user's profile changed (payload: the fields).",
    "accounts.password.changed": "A user changed their password.",
    "accounts.password.reset": "A user reset a forgotten password.",
    "accounts.role.granted": "A role was granted to a user.",
    "accounts.role.revoked": "A role was taken from a user.",
    "accounts.user.suspended": "An admin suspended a user.",
    "accounts.user.banned": "An admin banned a user.",
    "accounts.user.reactivated": "An admin reactivated a user.",
    "accounts.user.locked_out": "Too many failed sign-ins locked an account for a while.",
    "accounts.signin.succeeded": "A user signed in (payload: the client IP).",
    "accounts.signin.failed": "A sign-in failed (payload: the client IP).",
    "accounts.mfa.enabled": "A user turned two-step verification on.",
    "accounts.mfa.disabled": "A user turned two-step verification off.",
    "accounts.api_key.created": "A user created an API key (never the key itself).",
    "accounts.api_key.revoked": "An API key was revoked.",
    "tenant.settings_changed": "The site settings changed (payload: old and new values).",
    "tenant.branding_changed": "The site's branding changed.",
    "tenant.plugin.enable": "A plugin was enabled for the site.",
    "tenant.plugin.disable": "A plugin was disabled for the site.",
    "tenant.plugin.upgrade": "A plugin was upgraded for the site.",
    "tenant.plugin.uninstall": "A plugin was uninstalled (data kept).",
    "tenant.plugin.purge": "A plugin and its data were removed.",
}


@dataclass(frozen=True, order=True)
class EventType:
    name: str
    description: str = ""


def event_types(request) -> dict[str, EventType]:
    """name -> :class:`EventType` for the request's tenant, sorted by name. Malformed
    entries of a plugin are skipped."""
    found: dict[str, EventType] = {}
    for entries in request.hooks.learninghub_webhooks_event_types(request=request):
        for entry in entries or ():
            if isinstance(entry, str):
                name, description = entry, ""
            else:
                try:
                    name, description = entry
                except (TypeError, ValueError):
                    continue
            if isinstance(name, str) and name and name != TEST_EVENT and name not in found:
                found[name] = EventType(name, str(description or ""))
    return dict(sorted(found.items()))
