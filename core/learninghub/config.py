"""Settings: declared, typed, documented, overridable from the environment.

Every kernel setting is declared once in :data:`KERNEL_SETTINGS`. Values come from
the ini file's ``[app:main]`` section and can be overridden by environment
variables named ``LEARNINGHUB_`` + the key upper-cased with dots as underscores
(``db.url`` -> ``LEARNINGHUB_DB_URL``). An unknown key (in the ini or the
environment) or a value that does not parse stops the process with a
:class:`~learninghub.errors.ConfigurationError` naming the key.

Plugin settings live under ``plugin.<name>.<key>`` and set instance-wide defaults
for the plugin's typed per-tenant settings; they are validated once the plugins
are loaded (see :mod:`learninghub.plugins`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError

ENV_PREFIX = "LEARNINGHUB_"
#: environment variables with the prefix that are not settings
ENV_NOT_SETTINGS = ("LEARNINGHUB_CONFIG", "LEARNINGHUB_TEST_")
#: ini keys owned by libraries we configure; passed through untouched
PASSTHROUGH_PREFIXES = ("pyramid.", "jinja2.", "tm.", "retry.", "pyramid_", "debugtoolbar.")
DEV_SECRET_MARKER = "dev-only"


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer")
    return int(str(value).strip())


def as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    return float(str(value).strip())


def as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [part for part in str(value).replace(",", " ").split() if part]


def as_str(value: Any) -> str:
    return str(value).strip()


def as_rate(value: Any) -> str:
    """A rate limit ``N/SECONDS``: N >= 1 requests per SECONDS > 0 (a burst of N).
    Returned normalised (``" 300 / 60 "`` -> ``"300/60"``)."""
    text = str(value).strip()
    count, sep, seconds = text.partition("/")
    try:
        n = int(count.strip())
        period = float(seconds.strip())
    except ValueError:
        n, period = 0, 0.0
    if not sep or n < 1 or not 0 < period < float("inf"):
        raise ValueError(
            f"expected N/SECONDS with N >= 1 and SECONDS > 0 (e.g. 300/60), got {text!r}"
        )
    return f"{n}/{int(period) if period.is_integer() else period}"


def one_of(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = str(value).strip()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return text

    convert.__name__ = "one_of(" + "|".join(choices) + ")"
    return convert


@dataclass(frozen=True)
class Setting:
    key: str
    convert: Callable[[Any], Any]
    default: Any
    doc: str
    secret: bool = False

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.key.upper().replace(".", "_")


KERNEL_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "environment",
        one_of("development", "production", "test"),
        "development",
        "development enables the tenant fallback and readable errors; production "
        "refuses development secrets and SQLite.",
    ),
    Setting(
        "secret.key",
        as_str,
        "",
        "Signing secret for cookies, JWTs and signed URLs. At least 32 characters; required.",
        secret=True,
    ),
    Setting(
        "db.url",
        as_str,
        "sqlite:///%(here)s/var/learninghub.sqlite",
        "SQLAlchemy URL of the database (sqlite:/// or postgresql+psycopg://).",
    ),
    Setting("db.pool_size", as_int, 10, "Connection pool size (PostgreSQL)."),
    Setting("db.echo", as_bool, False, "Log every SQL statement."),
    Setting(
        "db.rls",
        as_bool,
        True,
        "On PostgreSQL, create row-level security policies on "
        "tenant-scoped tables and set the tenant on every transaction.",
    ),
    Setting(
        "tenancy.base_domain",
        as_str,
        "localhost",
        "Tenants answer on <slug>.<base_domain> besides their verified custom domains.",
    ),
    Setting(
        "tenancy.fallback_tenant",
        as_str,
        "",
        "Development only: slug of the tenant served for hosts listed in "
        "tenancy.fallback_hosts (e.g. localhost). Empty disables the fallback.",
    ),
    Setting(
        "tenancy.fallback_hosts",
        as_list,
        ["localhost", "127.0.0.1"],
        "Hosts that get the fallback tenant (development only).",
    ),
    Setting("auth.access_token_ttl", as_int, 900, "Lifetime of API access tokens in seconds."),
    Setting("auth.cookie_secure", as_bool, True, "Send the session cookie only over HTTPS."),
    Setting("auth.session_max_age", as_int, 1209600, "Page session lifetime in seconds."),
    Setting(
        "auth.refresh_token_ttl",
        as_int,
        2592000,
        "Lifetime of an API session's refresh tokens in seconds (each refresh rotates).",
    ),
    Setting("auth.password_min_length", as_int, 10, "Minimum password length (NIST 800-63B)."),
    Setting("auth.verification_ttl", as_int, 86400, "Email verification links live this long (s)."),
    Setting("auth.reset_ttl", as_int, 3600, "Password reset links live this long (s)."),
    Setting("auth.invite_ttl", as_int, 604800, "Invitation links live this long (s)."),
    Setting(
        "auth.signup",
        one_of("open", "invite", "closed"),
        "open",
        "Self sign-up default for tenants: open, invite (invitation links only) or closed. "
        "A tenant admin overrides it per tenant.",
    ),
    Setting(
        "auth.mfa_required_roles",
        as_list,
        ["admin", "platform_admin"],
        "Roles (held tenant-wide) that must use a second factor; a tenant overrides it "
        "with settings.mfa.required_roles.",
    ),
    Setting(
        "auth.mfa_grace_days",
        as_int,
        7,
        "Days a user of such a role may still sign in without a second factor "
        "(tenant: settings.mfa.grace_days).",
    ),
    Setting(
        "platform.tenant",
        as_str,
        "platform",
        "Slug of the platform tenant: its users with role platform_admin manage every "
        "tenant through /api/v1/platform/ on its host. Empty disables the platform API.",
    ),
    Setting("ratelimit.enabled", as_bool, True, "Apply rate limits (the API gateway role)."),
    Setting(
        "ratelimit.ip",
        as_rate,
        "300/60",
        "Requests per client IP: N/SECONDS (token bucket, burst N).",
    ),
    Setting("ratelimit.user", as_rate, "600/60", "Requests per signed-in user: N/SECONDS."),
    Setting("ratelimit.api_key", as_rate, "600/60", "Requests per API key: N/SECONDS."),
    Setting(
        "ratelimit.auth",
        as_rate,
        "10/60",
        "Requests per client IP to sign-in, token, refresh, sign-up and reset routes: N/SECONDS.",
    ),
    Setting(
        "ratelimit.lockout_threshold",
        as_int,
        5,
        "Failed sign-ins from one IP for one account before that IP+account pair is locked.",
    ),
    Setting("ratelimit.lockout_seconds", as_int, 900, "How long an IP+account pair stays locked."),
    Setting(
        "ratelimit.trusted_proxies",
        as_list,
        [],
        "Proxy addresses whose X-Forwarded-For is believed for the client IP.",
    ),
    Setting(
        "tasks.backend",
        one_of("inprocess", "celery"),
        "inprocess",
        "inprocess runs tasks in the web process after commit; celery sends them to the broker.",
    ),
    Setting(
        "tasks.delayed_thread",
        as_bool,
        True,
        "inprocess back end: a thread runs tasks enqueued for later (enqueue_at) when due; "
        "off, they wait until DelayedTasks.run_due is called (tests).",
    ),
    Setting("celery.broker_url", as_str, "", "Celery broker URL (redis:// or amqp://)."),
    Setting("celery.result_backend", as_str, "", "Celery result backend (optional)."),
    Setting("storage.backend", one_of("local"), "local", "File storage implementation."),
    Setting("storage.path", as_str, "%(here)s/var/files", "Root directory of local storage."),
    Setting("search.backend", one_of("whoosh"), "whoosh", "Search index implementation."),
    Setting("search.path", as_str, "%(here)s/var/search", "Directory of the Whoosh indexes."),
    Setting(
        "mail.backend",
        one_of("file", "smtp"),
        "file",
        "file writes a maildir under mail.path; smtp sends through mail.smtp_*.",
    ),
    Setting("mail.path", as_str, "%(here)s/var/mail", "Maildir of the file mailer."),
    Setting("mail.sender", as_str, "Learning Hub <noreply@localhost>", "Default From."),
    Setting("mail.smtp_host", as_str, "localhost", "SMTP host."),
    Setting("mail.smtp_port", as_int, 25, "SMTP port."),
    Setting("mail.smtp_username", as_str, "", "SMTP user (empty: no AUTH)."),
    Setting("mail.smtp_password", as_str, "", "SMTP password.", secret=True),
    Setting("mail.smtp_starttls", as_bool, False, "Use STARTTLS."),
    Setting("mail.smtp_timeout", as_float, 10.0, "SMTP connection timeout in seconds."),
    Setting(
        "secrets.backend",
        one_of("fernet", "vault"),
        "fernet",
        "How stored secrets (plugin settings typed Secret) are encrypted: fernet with "
        "secrets.keys, or vault (HashiCorp Vault transit through hvac; untested).",
    ),
    Setting(
        "secrets.keys",
        as_list,
        [],
        "Keys (at least 32 characters each, newest first) that encrypt stored secrets: "
        "new values use the first, any listed key decrypts. Rotate: prepend a new key, run "
        "`learninghub config rotate-secrets`, remove the old one. Empty: development and "
        "test use a built-in development key; production refuses it and stores no secret.",
        secret=True,
    ),
    Setting("secrets.vault_url", as_str, "", "Vault address (secrets.backend = vault)."),
    Setting(
        "secrets.vault_token", as_str, "", "Vault token (secrets.backend = vault).", secret=True
    ),
    Setting(
        "secrets.vault_transit_mount", as_str, "transit", "Mount point of Vault's transit engine."
    ),
    Setting(
        "secrets.vault_transit_key",
        as_str,
        "learninghub",
        "Name of the transit key that encrypts Learning Hub's secrets.",
    ),
    Setting("cache.url", as_str, "memory://", "memory:// or redis://host:port/db."),
    Setting("events.url", as_str, "memory://", "Realtime event transport: memory:// or redis://."),
    Setting("metrics.enabled", as_bool, False, "Serve Prometheus metrics at /metrics."),
    Setting("log.level", one_of("debug", "info", "warning", "error"), "info", "Log level."),
    Setting("log.format", one_of("json", "console"), "json", "Log renderer."),
    Setting(
        "plugins.autoload",
        as_bool,
        True,
        "Load every plugin found through the learninghub.plugins entry points. "
        "When false, only plugins named in plugins.load are loaded.",
    ),
    Setting(
        "themes.default",
        as_str,
        "default",
        "Theme for tenants whose theme is not installed (entry point learninghub.themes).",
    ),
    Setting(
        "templates.tenant_path",
        as_str,
        "%(here)s/var/tenant-templates",
        "Folder of operator-managed per-tenant template overrides: <path>/<tenant slug>/<name>.",
    ),
    Setting(
        "templates.auto_reload",
        as_bool,
        False,
        "Re-read templates changed on disk (a stat per template on every render; "
        "development.ini turns it on).",
    ),
    Setting("static.max_age", as_int, 31536000, "Cache-Control max-age of busted static URLs."),
    Setting(
        "pagecache.enabled",
        as_bool,
        True,
        "Serve anonymous GET answers that views allow (catalog, landing pages, public "
        "APIs) from process memory, checked against generations in the cache service "
        "(docs/performance.md).",
    ),
    Setting(
        "pagecache.ttl",
        as_int,
        60,
        "Longest life in seconds of a cached anonymous answer, whatever its generations.",
    ),
    Setting("pagecache.max_entries", as_int, 2000, "Cached answers kept per process (LRU)."),
    Setting(
        "pagecache.max_memos",
        as_int,
        5000,
        "Values of pagecache.memo (shared page parts) kept per process (LRU).",
    ),
    Setting(
        "pagecache.max_bytes",
        as_int,
        64 * 1024 * 1024,
        "Total body bytes of cached answers per process (LRU); one answer may use a quarter.",
    ),
    Setting("i18n.locales", as_list, ["en", "es", "ar"], "Locales offered to users."),
    Setting("i18n.default_locale", as_str, "en", "Locale when nothing else decides."),
    Setting(
        "domains.verify_connect",
        as_str,
        "",
        "host:port the HTTP domain check connects to instead of the domain's own address "
        "(development and tests; empty in production).",
    ),
    Setting(
        "domains.dns_nameservers",
        as_list,
        [],
        "Nameservers (ip or ip:port) for the DNS TXT domain check; empty: the system's.",
    ),
    Setting("plugins.load", as_list, [], "Plugins to load when autoload is off."),
    Setting("plugins.blocked", as_list, [], "Plugins never loaded, even if installed."),
)

SETTINGS_BY_KEY: dict[str, Setting] = {s.key: s for s in KERNEL_SETTINGS}


def _is_passthrough(key: str) -> bool:
    return key.startswith(PASSTHROUGH_PREFIXES)


def collect_settings(
    raw: Mapping[str, Any], environ: Mapping[str, str] | None = None, here: str | None = None
) -> dict[str, Any]:
    """Merge ini values and environment overrides, validate and type them.

    Returns a new dict with every kernel setting present (defaults filled in),
    passthrough library keys kept as given and ``plugin.*`` keys kept as strings for
    the plugin loader to validate.
    """
    environ = os.environ if environ is None else environ
    here = here or raw.get("here") or os.getcwd()
    merged: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("here", "__file__", "use"):
            continue
        if key in SETTINGS_BY_KEY or _is_passthrough(key) or key.startswith("plugin."):
            merged[key] = value
        else:
            raise ConfigurationError(key, "unknown setting (see docs/configuration.md)")
    env_to_key = {s.env_var: s.key for s in KERNEL_SETTINGS}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(ENV_NOT_SETTINGS):
            continue
        if name in env_to_key:
            merged[env_to_key[name]] = value
        elif name.startswith(ENV_PREFIX + "PLUGIN_"):
            # LEARNINGHUB_PLUGIN_<NAME>__<KEY> -> plugin.<name>.<key>
            rest = name[len(ENV_PREFIX + "PLUGIN_") :]
            if "__" not in rest:
                raise ConfigurationError(
                    name, "plugin overrides look like LEARNINGHUB_PLUGIN_<NAME>__<KEY>"
                )
            plugin, key = rest.split("__", 1)
            merged[f"plugin.{plugin.lower()}.{key.lower()}"] = value
        else:
            raise ConfigurationError(name, "unknown environment setting")

    result: dict[str, Any] = {"here": here}
    for key, value in merged.items():
        if key in SETTINGS_BY_KEY:
            continue
        result[key] = value
    for setting in KERNEL_SETTINGS:
        value = merged.get(setting.key, setting.default)
        if isinstance(value, str):
            value = value.replace("%(here)s", here)
        try:
            result[setting.key] = setting.convert(value)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(setting.key, str(exc)) from None
    _check_coherence(result)
    return result


def _check_coherence(settings: dict[str, Any]) -> None:
    secret = settings["secret.key"]
    if len(secret) < 32:
        raise ConfigurationError("secret.key", "must be at least 32 characters")
    if settings["environment"] == "production":
        if DEV_SECRET_MARKER in secret:
            raise ConfigurationError(
                "secret.key",
                "a development secret cannot be used in production; "
                "set LEARNINGHUB_SECRET_KEY to a random value",
            )
        if settings["db.url"].startswith("sqlite"):
            raise ConfigurationError(
                "db.url", "SQLite is for development only; production needs PostgreSQL"
            )
        if settings["tenancy.fallback_tenant"]:
            raise ConfigurationError(
                "tenancy.fallback_tenant", "the tenant fallback is development only"
            )
    for key in settings["secrets.keys"]:
        if len(key) < 32:
            raise ConfigurationError("secrets.keys", "every key must be at least 32 characters")
        if settings["environment"] == "production" and DEV_SECRET_MARKER in key:
            raise ConfigurationError(
                "secrets.keys",
                "a development key cannot be used in production; "
                "set LEARNINGHUB_SECRETS_KEYS to random values",
            )
    if settings["secrets.backend"] == "vault" and not settings["secrets.vault_url"]:
        raise ConfigurationError("secrets.vault_url", "required when secrets.backend = vault")
    if settings["tasks.backend"] == "celery" and not settings["celery.broker_url"]:
        raise ConfigurationError("celery.broker_url", "required when tasks.backend = celery")
    for key in ("cache.url", "events.url"):
        if not settings[key].startswith(("memory://", "redis://", "rediss://", "unix://")):
            raise ConfigurationError(key, "expected memory://, redis://, rediss:// or unix://")


def settings_doc_markdown() -> str:
    """Render the settings table of docs/configuration.md (kept in sync by a test)."""
    lines = ["| key | environment variable | default | description |", "|---|---|---|---|"]
    for s in KERNEL_SETTINGS:
        default = "" if s.secret else s.default
        if isinstance(default, list):
            default = " ".join(default)
        lines.append(f"| `{s.key}` | `{s.env_var}` | `{default}` | {s.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m learninghub.config  -> the docs table
    print(settings_doc_markdown(), end="")
