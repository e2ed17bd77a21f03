"""The password policy (NIST 800-63B) and its shipped list of common passwords."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learninghub.accounts.passwords import (
    COMMON_PASSWORDS_FILE,
    MAX_LENGTH,
    common_passwords,
    validate_password,
)

SETTINGS = {"auth.password_min_length": 10}


def test_a_long_uncommon_password_is_accepted():
    assert validate_password(SETTINGS, "correct horse battery staple") == []


def test_no_composition_rules():
    # only letters, all lower-case, no digits: fine when long and uncommon
    assert validate_password(SETTINGS, "purplemonkeydishwasher") == []
    assert validate_password(SETTINGS, "ççççççççççççç") == []


@pytest.mark.parametrize("password", ["", "short", "123456789"])
def test_too_short(password):
    assert "Use at least 10 characters." in validate_password(SETTINGS, password)


def test_minimum_length_comes_from_the_setting():
    assert validate_password({"auth.password_min_length": 20}, "a fine long password") == []
    assert validate_password({"auth.password_min_length": 21}, "a fine long password") != []


def test_length_counts_code_points_after_nfkc():
    # nine astral characters are nine characters (not 18 UTF-16 units, not 36 bytes)
    assert validate_password(SETTINGS, "🦊" * 9) == ["Use at least 10 characters."]
    assert validate_password(SETTINGS, "🦊" * 10) == []
    # "ﬃ" (one code point) is "ffi" (three) after NFKC
    assert validate_password(SETTINGS, "ﬃ" * 4) == []
    assert validate_password(SETTINGS, "ﬃ" * 3) == ["Use at least 10 characters."]


def test_too_long():
    assert validate_password(SETTINGS, "x7" * (MAX_LENGTH // 2) + "y") == [
        f"Use at most {MAX_LENGTH} characters."
    ]
    assert validate_password(SETTINGS, "x7" * (MAX_LENGTH // 2)) == []


@pytest.mark.parametrize("password", ["password123", "1234567890", "qwertyuiop", "PASSWORD123"])
def test_common_passwords_are_refused(password):
    assert any("too common" in m for m in validate_password(SETTINGS, password))


def test_common_list_is_shipped_and_loaded_once():
    passwords = common_passwords()
    assert isinstance(passwords, frozenset)
    assert len(passwords) >= 10_000
    assert {"123456", "password", "qwerty", "dragon"} <= passwords
    assert common_passwords() is passwords
    text = resources.files("learninghub").joinpath(COMMON_PASSWORDS_FILE).read_text("utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("zxcvbn" in line and "MIT" in line for line in header)
    assert not any(p.startswith("#") for p in passwords)
    assert all(p == p.lower() for p in passwords)


@pytest.mark.parametrize(
    "password, email, name",
    [
        ("jonathan.smith", "jonathan.smith@example.org", ""),
        ("JONATHAN.SMITH", "jonathan.smith@example.org", ""),
        ("my-jonathan.smith-2024", "jonathan.smith@example.org", ""),
        ("Dorothea Wellington", "x@example.org", "Dorothea Wellington"),
        ("iamdorotheawellington!", "x@example.org", "DorotheaWellington"),
    ],
)
def test_email_local_part_and_display_name_are_refused(password, email, name):
    messages = validate_password(SETTINGS, password, email=email, display_name=name)
    assert any(m.startswith("Do not use your") for m in messages), messages


def test_short_context_words_do_not_forbid_every_password():
    # a one-letter local part must not refuse every password holding that letter
    assert validate_password(SETTINGS, "a long passphrase here", email="a@example.org") == []
    assert validate_password(SETTINGS, "a long passphrase here", display_name="Al") == []


def test_several_reasons_are_all_reported():
    messages = validate_password(SETTINGS, "bob", email="bob@example.org", display_name="bob")
    assert "Use at least 10 characters." in messages
    assert "Do not use your email address in your password." in messages
    assert "Do not use your name in your password." in messages


@settings(deadline=None)  # timing is not what this test is about
@given(st.text(min_size=0, max_size=40))
def test_policy_never_raises_and_short_is_always_refused(password):
    messages = validate_password(SETTINGS, password, email="someone@example.org")
    assert isinstance(messages, list)
    import unicodedata

    if len(unicodedata.normalize("NFKC", password)) < 10:
        assert "Use at least 10 characters." in messages
