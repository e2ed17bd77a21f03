"""Password policy (NIST SP 800-63B, section 5.1.1.2 "Memorized Secret Verifiers").

* at least ``auth.password_min_length`` characters (Unicode code points counted after
  NFKC normalisation, so that "ﬀ" and "ff" count alike), at most :data:`MAX_LENGTH`;
* not one of the commonly used passwords shipped in ``learninghub/data/common-passwords.txt``
  (compared case-folded);
* not the email's local part or the display name, nor containing them (case-folded;
  containment is checked for parts of :data:`MIN_CONTEXT_LENGTH` characters or more,
  so that a one-letter name does not forbid every password holding that letter);
* no composition rules (no "one digit, one symbol"), no periodic expiry.

The password itself is hashed as typed: sign-in compares what the person types with
the same bytes, whichever device produced them.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from importlib import resources
from typing import Any

from ..api import ProblemError

MAX_LENGTH = 1024
DEFAULT_MIN_LENGTH = 10
MIN_CONTEXT_LENGTH = 3
COMMON_PASSWORDS_FILE = "data/common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded (read once per process)."""
    text = resources.files("learninghub").joinpath(COMMON_PASSWORDS_FILE).read_text("utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def validate_password(
    settings: Mapping[str, Any], password: str, *, email: str = "", display_name: str = ""
) -> list[str]:
    """Return the reasons ``password`` is refused (an empty list when it is accepted)."""
    min_length = int(settings.get("auth.password_min_length", DEFAULT_MIN_LENGTH))
    normalized = unicodedata.normalize("NFKC", password)
    length = len(normalized)
    messages: list[str] = []
    if length < min_length:
        messages.append(f"Use at least {min_length} characters.")
    if length > MAX_LENGTH:
        messages.append(f"Use at most {MAX_LENGTH} characters.")
    folded = normalized.casefold()
    if folded in common_passwords() or folded.strip() in common_passwords():
        messages.append("This password is too common; choose one that is harder to guess.")
    local_part = email.rpartition("@")[0] if "@" in email else email
    for label, part in (("your email address", local_part), ("your name", display_name)):
        context = _fold(part)
        if not context:
            continue
        if folded == context or (len(context) >= MIN_CONTEXT_LENGTH and context in folded):
            messages.append(f"Do not use {label} in your password.")
    return messages


def check_password(
    settings: Mapping[str, Any],
    password: str,
    *,
    email: str = "",
    display_name: str = "",
    field: str = "password",
) -> None:
    """Raise a 422 problem with one error per reason when the policy refuses ``password``."""
    messages = validate_password(settings, password, email=email, display_name=display_name)
    if messages:
        raise ProblemError(
            422,
            "Validation failed",
            "the password does not meet the password policy",
            errors=[
                {"path": ["body", field], "message": message, "type": "password_policy"}
                for message in messages
            ],
        )


def includeme(config) -> None:
    common_passwords()  # read the list at start-up, not on the first sign-up
