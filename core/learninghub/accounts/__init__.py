"""Accounts on top of the identity core: sessions, refresh tokens, API keys, one-time
tokens (verification, reset, invitations), password policy.

Design (docs/accounts.md):

* **Page sessions** are server-side rows (``user_sessions``, ``kind="page"``); the
  ``lh_session`` cookie (Secure, HttpOnly, SameSite=Lax) carries a random token whose
  SHA-256 is stored. Signing in always creates a new row and a new cookie (no
  fixation); signing out or revoking deletes its power at once.
* **API sessions** (``kind="api"``) are refresh-token families: every refresh
  rotates the token; presenting a token that was already used revokes the whole
  family (reuse detection). Access tokens (JWT, ``auth.access_token_ttl``) carry the
  session id (``sid``) and die with their session.
* **API keys** (``lhk_<prefix>_<secret>``) are hashed at rest, shown once, scoped,
  expiring and revocable; last use (time, IP) is recorded.
* **One-time tokens** (email verification, password reset, invitations, email codes)
  are random, stored hashed, expiring and single-use.
* ``User.security_stamp`` changes when every session and token of a user must die
  (password change, suspension): each identity check compares it.
"""


def includeme(config) -> None:
    """Include every submodule that has an ``includeme`` (each registers its own routes,
    views and API endpoints), in name order."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "includeme"):
            config.include(module)
