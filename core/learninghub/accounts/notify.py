"""What the accounts subsystem tells the world: account emails, domain events, logs.

Every mail goes through ``request.find_service(IMailer).send(message, request.tm)``, so
nothing is sent when the request's transaction aborts. Links point at the request's
host (the tenant's own domain). Mails are plain text: they carry one link each and
nothing a person typed except their own display name.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from ..identity import User
from ..interfaces import IMailer

log = logging.getLogger("learninghub.accounts")


def record(
    request,
    name: str,
    user: User | None,
    *,
    resource_type: str = "user",
    resource_id: str = "",
    **payload: Any,
) -> None:
    """Emit the domain event ``name`` (about ``user`` unless another resource is named)
    and log it with ids only: email addresses stay out of the logs."""
    if not resource_id and user is not None:
        resource_id = str(user.id)
    request.emit(name, resource_type=resource_type, resource_id=resource_id, payload=payload)
    actor = request.identity
    log.info(
        "%s %s=%s actor=%s tenant=%s %s",
        name,
        resource_type,
        resource_id or "-",
        actor.id if actor is not None else "-",
        request.tenant.id,
        " ".join(f"{k}={v}" for k, v in sorted(payload.items()) if "email" not in k),
    )


def page_url(request, route_name: str, **query: str) -> str:
    return request.route_url(route_name, _query=query) if query else request.route_url(route_name)


def send(request, to_email: str, subject: str, body: str, *, to_name: str = "") -> None:
    message = EmailMessage()
    message["Subject"] = f"[{request.tenant.name}] {subject}"
    message["To"] = formataddr((to_name, to_email)) if to_name else to_email
    message.set_content(body)
    request.find_service(IMailer).send(message, request.tm)


def _greeting(user: User | None) -> str:
    return (
        f"Hello {user.display_name},\n\n"
        if user is not None and user.display_name
        else "Hello,\n\n"
    )


def _hours(seconds: int) -> str:
    if seconds % 86400 == 0 and seconds >= 86400:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def verification_mail(request, user: User, token: str, ttl: int) -> None:
    url = page_url(request, "accounts.page.verify_email", token=token)
    send(
        request,
        user.email,
        "Confirm your email address",
        f"{_greeting(user)}please confirm your email address for {request.tenant.name} by "
        f"opening this link and pressing the button:\n\n{url}\n\n"
        f"The link works once and expires in {_hours(ttl)}. If you did not sign up, "
        "ignore this message.\n",
        to_name=user.display_name,
    )


def signup_attempt_mail(request, user: User) -> None:
    url = page_url(request, "accounts.page.forgot_password")
    send(
        request,
        user.email,
        "Someone tried to sign up with your address",
        f"{_greeting(user)}someone (maybe you) tried to create an account on "
        f"{request.tenant.name} with this email address, which already has an account. "
        "No new account was created.\n\n"
        f"If you forgot your password, choose a new one here:\n\n{url}\n\n"
        "If it was not you, you can ignore this message.\n",
        to_name=user.display_name,
    )


def reset_mail(request, user: User, token: str, ttl: int, *, forced: bool = False) -> None:
    url = page_url(request, "accounts.page.reset_password", token=token)
    why = (
        "An administrator asked you to choose a new password; your old one no longer works."
        if forced
        else "Someone (hopefully you) asked to reset your password."
    )
    send(
        request,
        user.email,
        "Choose a new password",
        f"{_greeting(user)}{why} Choose a new password here:\n\n{url}\n\n"
        f"The link works once and expires in {_hours(ttl)}. If you did not ask for it, "
        "ignore this message: your password stays as it is.\n",
        to_name=user.display_name,
    )


def invitation_mail(request, email: str, token: str, ttl: int, inviter: User) -> None:
    url = page_url(request, "accounts.page.signup", invite=token)
    send(
        request,
        email,
        f"You are invited to {request.tenant.name}",
        f"Hello,\n\n{inviter.display_name} invited you to join {request.tenant.name}. "
        f"Create your account here:\n\n{url}\n\n"
        f"The invitation works once and expires in {_hours(ttl)}.\n",
    )


def email_change_mail(request, user: User, new_email: str, token: str, ttl: int) -> None:
    url = page_url(request, "accounts.page.confirm_email", token=token)
    send(
        request,
        new_email,
        "Confirm your new email address",
        f"{_greeting(user)}please confirm that {new_email} should become the email address "
        f"of your account on {request.tenant.name}:\n\n{url}\n\n"
        f"The link works once and expires in {_hours(ttl)}. If you did not ask for this, "
        "ignore this message.\n",
        to_name=user.display_name,
    )


def email_taken_mail(request, owner: User) -> None:
    send(
        request,
        owner.email,
        "Someone tried to use your address",
        f"{_greeting(owner)}someone tried to move another account on {request.tenant.name} "
        "to this email address, which already has an account. Nothing was changed.\n",
        to_name=owner.display_name,
    )


def email_changed_mail(request, user: User, old_email: str) -> None:
    send(
        request,
        old_email,
        "Your email address was changed",
        f"{_greeting(user)}the email address of your account on {request.tenant.name} was "
        f"changed to {user.email}. If you did not do this, contact the administrators "
        "of the site at once.\n",
        to_name=user.display_name,
    )
