"""The ``learninghub`` command.

``--config`` defaults to ``$LEARNINGHUB_CONFIG`` or ``development.ini`` in the current
directory. Errors a person can fix (bad configuration, unknown tenant or plugin,
dependency problems) end with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import code
import os
import sys
from contextlib import contextmanager
from typing import Any

import click
import sqlalchemy as sa
import transaction

from .errors import ConfigurationError, LearningHubError

PLATFORM_PASSWORD = "demo-platform-pass-2026"
DEMO_PASSWORDS = {
    "admin": "demo-admin-pass-2026",
    "instructor": "demo-instructor-pass-2026",
    "learner": "demo-learner-pass-2026",
}


def read_settings(config_path: str) -> dict[str, Any]:
    import plaster

    if not os.path.exists(config_path):
        raise ConfigurationError("--config", f"file not found: {config_path}")
    loader = plaster.get_loader(config_path, protocols=["wsgi"])
    settings = dict(loader.get_settings("app:main"))
    settings["here"] = os.path.dirname(os.path.abspath(config_path))
    return settings


class Env:
    def __init__(self, config_path: str):
        self.config_path = config_path
        self._config = None

    @property
    def raw_settings(self) -> dict[str, Any]:
        return read_settings(self.config_path)

    @property
    def config(self):
        if self._config is None:
            from . import configure

            self._config = configure(self.raw_settings)
        return self._config

    @property
    def registry(self):
        return self.config.registry

    def close(self) -> None:
        """Release the app's database connections (the group calls it when a command
        ends; a process would drop them at exit, a caller running commands in-process
        such as a test's CliRunner would not)."""
        if self._config is not None:
            engine = self._config.registry.get("db.engine")
            if engine is not None:
                engine.dispose()

    @contextmanager
    def tenant_request(self, slug: str | None):
        """A tenant-bound request inside a transaction committed on success."""
        from .tasks import make_tenant_request

        registry = self.registry
        tenant = None
        if slug is not None:
            registry["tenancy.resolver"].invalidate()
            tenant = registry["tenancy.resolver"].by_slug(slug)
            if tenant is None:
                raise click.ClickException(f"unknown tenant {slug!r}")
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, tenant, tm)
        tm.begin()
        try:
            yield request
            tm.commit()
        except BaseException:
            tm.abort()
            raise

    def plugin_tenants(self, plugin: str, *, enabled_only: bool = True) -> list[str]:
        """Slugs of the tenants that have ``plugin`` enabled (or, with
        ``enabled_only=False``, installed at all), in order: what a plugin's cron
        command (``learninghub <plugin> <sweep>``) walks through."""
        import sqlalchemy as sa

        from .db import system_session
        from .tenancy import Tenant, TenantPlugin

        stmt = (
            sa.select(Tenant.slug)
            .join(TenantPlugin, TenantPlugin.tenant_id == Tenant.id)
            .where(TenantPlugin.plugin == plugin)
            .order_by(Tenant.slug)
        )
        if enabled_only:
            stmt = stmt.where(TenantPlugin.enabled.is_(True))
        with self.tenant_request(None) as request:
            return list(system_session(request.db).scalars(stmt))


pass_env = click.make_pass_decorator(Env)


@contextmanager
def disposed_engine(settings: dict[str, Any]):
    """An engine of its own for a migration command, its connections closed after."""
    from .db import make_engine

    engine = make_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


class FriendlyGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (LearningHubError, ValueError) as exc:
            if isinstance(exc, click.ClickException):
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=FriendlyGroup)
@click.option(
    "--config",
    "config_path",
    envvar="LEARNINGHUB_CONFIG",
    default="development.ini",
    show_default=True,
    help="ini file (or LEARNINGHUB_CONFIG)",
)
@click.pass_context
def cli(ctx, config_path: str) -> None:
    """Learning Hub administration."""
    ctx.obj = Env(config_path)
    ctx.call_on_close(ctx.obj.close)


# --------------------------------------------------------------------- db


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--target", default="heads", show_default=True)
@pass_env
def db_upgrade(env: Env, target: str) -> None:
    """Apply every migration (kernel and plugin branches)."""
    from .config import collect_settings
    from .migrate import upgrade

    settings = collect_settings(env.raw_settings)
    with disposed_engine(settings) as engine:
        upgrade(settings, engine=engine, target=target)
    click.echo(f"database upgraded to {target}")


@db.command("revision")
@click.option("--branch", required=True, help='"kernel" or a plugin name')
@click.option("-m", "--message", required=True)
@pass_env
def db_revision(env: Env, branch: str, message: str) -> None:
    """Autogenerate the next migration of a branch from its models (database must be
    at every head; only that branch's tables are compared)."""
    from alembic.util import CommandError

    from .config import collect_settings
    from .migrate import new_revision

    settings = collect_settings(env.raw_settings)
    try:
        with disposed_engine(settings) as engine:
            path = new_revision(settings, branch, message, engine=engine)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {path}\nreview it, then: learninghub db upgrade")


@db.command("downgrade")
@click.argument("target")
@pass_env
def db_downgrade(env: Env, target: str) -> None:
    """Revert to TARGET (e.g. announcements@base)."""
    from .config import collect_settings
    from .migrate import downgrade

    settings = collect_settings(env.raw_settings)
    with disposed_engine(settings) as engine:
        downgrade(settings, target, engine=engine)
    click.echo(f"database downgraded to {target}")


# --------------------------------------------------------------------- tenants


@cli.group()
def tenant() -> None:
    """Tenants."""


def create_tenant(registry, session, slug: str, name: str, plugins: list[str] | None = None):
    from .db import bind_tenant
    from .plugins import TenantPlugins
    from .tenancy import SLUG_RE, Tenant

    if not SLUG_RE.match(slug):
        raise click.ClickException(f"invalid slug {slug!r}: lower-case letters, digits, '-'")
    if session.scalar(sa.select(Tenant).where(Tenant.slug == slug)) is not None:
        raise click.ClickException(f"tenant {slug!r} exists")
    t = Tenant(slug=slug, name=name)
    session.add(t)
    session.flush()
    bind_tenant(session, t.id)
    manager = TenantPlugins(registry, session, t)
    for pname in plugins or []:
        manager.enable(pname)
    return t


@tenant.command("add")
@click.argument("slug")
@click.option("--name", default=None)
@click.option("--plugins", "plugin_names", default="", help="comma-separated plugins to enable")
@pass_env
def tenant_add(env: Env, slug: str, name: str | None, plugin_names: str) -> None:
    """Create a tenant."""
    with env.tenant_request(None) as request:
        names = [p for p in plugin_names.replace(",", " ").split() if p]
        t = create_tenant(env.registry, request.db, slug, name or slug.title(), names)
        click.echo(f"tenant {t.slug} created (id {t.id})")
    env.registry["tenancy.resolver"].invalidate()


@tenant.command("list")
@pass_env
def tenant_list(env: Env) -> None:
    """List tenants."""
    from .tenancy import Tenant

    with env.tenant_request(None) as request:
        for t in request.db.scalars(sa.select(Tenant).order_by(Tenant.slug)):
            domains = ",".join(d.domain + ("" if d.verified else "(unverified)") for d in t.domains)
            click.echo(f"{t.slug}\t{t.status}\t{t.name}\t{domains}")


@tenant.command("set-domain")
@click.argument("slug")
@click.argument("domain")
@click.option(
    "--verified/--unverified",
    default=True,
    help="mark verified at once (the operator vouches for it; recorded as verified_by=operator)",
)
@pass_env
def tenant_set_domain(env: Env, slug: str, domain: str, verified: bool) -> None:
    """Attach a custom DOMAIN to tenant SLUG (operators; tenant admins add domains in
    /admin/domains and prove them by DNS or HTTP)."""
    import secrets

    from .db import utcnow
    from .tenancy import DOMAIN_RE, Tenant, TenantDomain

    domain = domain.strip().lower().rstrip(".")
    if not DOMAIN_RE.match(domain):
        raise click.ClickException(f"invalid domain {domain!r}")
    base = env.registry.settings["tenancy.base_domain"].lower()
    if domain == base or domain.endswith("." + base):
        raise click.ClickException(
            f"{domain} is under the platform's base domain {base}: tenants answer there by slug"
        )
    with env.tenant_request(None) as request:
        t = request.db.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        if t is None:
            raise click.ClickException(f"unknown tenant {slug!r}")
        existing = request.db.scalar(sa.select(TenantDomain).where(TenantDomain.domain == domain))
        if existing is not None and existing.tenant_id != t.id:
            raise click.ClickException(f"domain {domain} belongs to another tenant")
        if existing is None:
            existing = TenantDomain(
                tenant_id=t.id, domain=domain, verification_token=secrets.token_urlsafe(24)
            )
            request.db.add(existing)
        existing.verified = verified
        existing.verified_by = "operator" if verified else ""
        existing.verified_at = utcnow() if verified else None
    env.registry["tenancy.resolver"].invalidate()
    click.echo(f"{domain} -> {slug} ({'verified' if verified else 'unverified'})")


# --------------------------------------------------------------------- users


@cli.group()
def user() -> None:
    """Users."""


@user.command("add")
@click.argument("email")
@click.option("--tenant", "slug", required=True)
@click.option("--role", "roles", multiple=True, default=("learner",), show_default=True)
@click.option("--name", default="")
@pass_env
def user_add(env: Env, email: str, slug: str, roles: tuple[str, ...], name: str) -> None:
    """Create a user; the password is read from stdin (first line)."""
    from .identity import User, create_user, normalize_email

    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        raise click.ClickException("password (from stdin) must have at least 8 characters")
    with env.tenant_request(slug) as request:
        if request.db.scalar(sa.select(User).where(User.email == normalize_email(email))):
            raise click.ClickException(f"user {email} exists in tenant {slug}")
        u = create_user(request.db, env.registry["passwords"], email, password, roles, name)
        click.echo(f"user {u.email} created in {slug} with roles {', '.join(roles)}")


# --------------------------------------------------------------------- plugins


@cli.group()
def plugin() -> None:
    """Plugins."""


def _tenant_plugins(env: Env, request):
    from .plugins import TenantPlugins
    from .tenancy import Tenant

    t = request.db.get(Tenant, request.tenant.id)
    return TenantPlugins(env.registry, request.db, t)


@plugin.command("list")
@click.option("--tenant", "slug", default=None)
@pass_env
def plugin_list(env: Env, slug: str | None) -> None:
    """List loaded plugins (and their state for a tenant)."""
    plugins = env.registry["plugins"]
    records = {}
    if slug:
        with env.tenant_request(slug) as request:
            records = {
                k: (v.installed_version, v.enabled)
                for k, v in _tenant_plugins(env, request).records().items()
            }
    for name in plugins.order:
        m = plugins.plugins[name].manifest
        state = ""
        if slug:
            rec = records.get(name)
            state = (
                "not installed"
                if rec is None
                else (f"{'enabled' if rec[1] else 'disabled'} (v{rec[0]})")
            )
        requires = f" requires {','.join(m.requires)}" if m.requires else ""
        click.echo(f"{name}\t{m.version}\t{m.title}{requires}\t{state}".rstrip())


def _plugin_action(action: str):
    @click.argument("name")
    @click.option("--tenant", "slug", required=True)
    @pass_env
    def command(env: Env, name: str, slug: str) -> None:
        with env.tenant_request(slug) as request:
            manager = _tenant_plugins(env, request)
            result = getattr(manager, action)(name)
        env.registry["tenancy.resolver"].invalidate()
        extra = f" ({', '.join(result)})" if isinstance(result, list) and result else ""
        past = {
            "enable": "enabled",
            "disable": "disabled",
            "upgrade": "upgraded",
            "uninstall": "uninstalled",
            "purge": "purged",
        }[action]
        click.echo(f"{name}: {past} for tenant {slug}{extra}")

    command.__doc__ = f"{action.capitalize()} plugin NAME for a tenant."
    return command


for _action in ("enable", "disable", "upgrade", "uninstall", "purge"):
    plugin.command(_action)(_plugin_action(_action))


@plugin.command("new")
@click.argument("name")
@click.option("--dest", default="plugins", show_default=True, type=click.Path())
@click.option("--title", default=None)
def plugin_new(name: str, dest: str, title: str | None) -> None:
    """Scaffold a working plugin under plugins/NAME."""
    from .scaffold import scaffold_plugin

    path = scaffold_plugin(name, dest, title)
    click.echo(
        f"created {path}\nnext: pip install -e {path} && "
        f"learninghub db upgrade && learninghub plugin enable {name} --tenant demo"
    )


# --------------------------------------------------------------------- demo, serve, shell


def seed_demo(env: Env) -> dict[str, str]:
    """Create (idempotently) tenant ``demo`` with every non-hidden plugin enabled and
    an admin, an instructor and a learner, plus the platform tenant with one platform
    admin. Returns email -> password."""
    from .db import bind_tenant, system_session
    from .identity import User, create_user
    from .plugins import TenantPlugins
    from .tenancy import Tenant

    plugins = env.registry["plugins"]
    credentials = {}
    with env.tenant_request(None) as request:
        session = request.db
        t = session.scalar(sa.select(Tenant).where(Tenant.slug == "demo"))
        if t is None:
            t = Tenant(slug="demo", name="Demo Academy")
            session.add(t)
            session.flush()
        bind_tenant(session, t.id)
        manager = TenantPlugins(env.registry, session, t)
        records = manager.records()
        for name in plugins.order:
            if name not in records and (
                not plugins.plugins[name].manifest.hidden or name == "demo"
            ):
                manager.enable(name)  # every listed plugin, and the demo content plugin
        for role, password in DEMO_PASSWORDS.items():
            email = f"{role}@demo.example"
            if session.scalar(sa.select(User).where(User.email == email)) is None:
                create_user(
                    session,
                    env.registry["passwords"],
                    email,
                    password,
                    (role,),
                    f"Demo {role.title()}",
                )
            credentials[email] = password
        # an Arabic-speaking learner: the same pages right to left
        email = "learner-ar@demo.example"
        if session.scalar(sa.select(User).where(User.email == email)) is None:
            user = create_user(
                session,
                env.registry["passwords"],
                email,
                DEMO_PASSWORDS["learner"],
                ("learner",),
                "متعلم تجريبي",
            )
            user.locale = "ar"
        credentials[email] = DEMO_PASSWORDS["learner"]
        # a second tenant with another theme, palette and language: white-labelling
        system_session(session)
        campus = session.scalar(sa.select(Tenant).where(Tenant.slug == "campus"))
        if campus is None:
            campus = Tenant(
                slug="campus",
                name="Campus College",
                theme="campus",
                default_locale="es",
                default_timezone="Europe/Madrid",
                branding={"tokens": {"color-primary": "#7c2d12", "color-link": "#9a3412"}},
            )
            session.add(campus)
            session.flush()
        bind_tenant(session, campus.id)
        campus_plugins = TenantPlugins(env.registry, session, campus)
        campus_records = campus_plugins.records()
        for name in plugins.order:
            if name not in campus_records and (
                not plugins.plugins[name].manifest.hidden or name == "demo"
            ):
                campus_plugins.enable(name)
        email = "admin@campus.example"
        if session.scalar(sa.select(User).where(User.email == email)) is None:
            create_user(
                session,
                env.registry["passwords"],
                email,
                DEMO_PASSWORDS["admin"],
                ("admin",),
                "Campus Admin",
            )
        credentials[email] = DEMO_PASSWORDS["admin"]
        platform_slug = env.registry.settings["platform.tenant"]
        if platform_slug:
            system_session(session)
            platform = session.scalar(sa.select(Tenant).where(Tenant.slug == platform_slug))
            if platform is None:
                platform = Tenant(slug=platform_slug, name="Platform administration")
                session.add(platform)
                session.flush()
            bind_tenant(session, platform.id)
            email = "operator@platform.example"
            if session.scalar(sa.select(User).where(User.email == email)) is None:
                create_user(
                    session,
                    env.registry["passwords"],
                    email,
                    PLATFORM_PASSWORD,
                    ("platform_admin",),
                    "Platform Operator",
                )
            credentials[email] = PLATFORM_PASSWORD
    env.registry["tenancy.resolver"].invalidate()
    # plugins seed their own demo content (courses, lessons, ...) in each demo tenant,
    # one transaction per tenant, after the users and plugins above are committed
    for slug in ("demo", "campus"):
        with env.tenant_request(slug) as request:
            request.hooks.learninghub_demo_data(request=request)
    return credentials


@cli.command()
@pass_env
def demo(env: Env) -> None:
    """Seed the demo tenant and print its credentials (idempotent)."""
    credentials = seed_demo(env)
    base = env.registry.settings["tenancy.base_domain"]
    click.echo(
        f"demo tenant ready: http://demo.{base}:6543/ (and http://localhost:6543/ in development)"
    )
    for email, password in credentials.items():
        if email.endswith("@demo.example"):
            click.echo(f"  {email:28} {password}")
    click.echo(f"second tenant (campus theme, Spanish by default): http://campus.{base}:6543/")
    click.echo(f"  {'admin@campus.example':28} {DEMO_PASSWORDS['admin']}")
    platform = env.registry.settings["platform.tenant"]
    if platform:
        click.echo(
            f"platform administration: http://{platform}.{base}:6543/api/v1/platform/tenants"
        )
        click.echo(f"  {'operator@platform.example':28} {PLATFORM_PASSWORD}")
    click.echo(
        "API: curl -X POST http://localhost:6543/api/v1/auth/token "
        "-H 'Content-Type: application/json' "
        '-d \'{"email":"learner@demo.example","password":"' + DEMO_PASSWORDS["learner"] + "\"}'"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6543, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@pass_env
def serve(env: Env, host: str, port: int, threads: int) -> None:
    """Serve the web app with waitress."""
    import waitress

    from . import settle_heap

    app = env.config.make_wsgi_app()
    settle_heap()
    click.echo(f"serving on http://{host}:{port}")
    waitress.serve(app, host=host, port=port, threads=threads, ident="learninghub")


@cli.group()
def events() -> None:
    """Domain events."""


@events.command("retry-inbox")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@click.option("--consumer", default=None, help="One consumer plugin (default: all).")
@click.option(
    "--failed", is_flag=True, help="Retry the events marked failed (default: the lost ones)."
)
@click.option(
    "--older-than",
    "minutes",
    default=5,
    show_default=True,
    type=click.IntRange(0, 60 * 24 * 30),
    help="Minutes an event must have waited to count as lost.",
)
@pass_env
def events_retry_inbox(
    env: Env, slug: str | None, consumer: str | None, failed: bool, minutes: int
) -> None:
    """Queue again the inbox events whose task was lost (an in-process task dies with
    its process) or, with --failed, gave up: for cron (learninghub.inbox)."""
    from datetime import timedelta

    from . import inbox
    from .tenancy import Tenant

    if slug is None:
        with env.tenant_request(None) as request:
            slugs = list(request.db.scalars(sa.select(Tenant.slug).order_by(Tenant.slug)))
    else:
        slugs = [slug]
    for one in slugs:
        with env.tenant_request(one) as request:
            count = inbox.requeue(
                request, consumer, older_than=timedelta(minutes=minutes), failed=failed
            )
        if count:
            click.echo(f"{one}: {count} event(s) queued again")


@cli.command()
@click.option("--tenant", "slug", default=None)
@pass_env
def shell(env: Env, slug: str | None) -> None:
    """An interactive Python shell with `registry` and a tenant-bound `request`."""
    with env.tenant_request(slug) as request:
        code.interact(
            local={"registry": env.registry, "request": request, "db": request.db, "sa": sa},
            banner="Learning Hub shell (commits on exit)",
        )


def configure_or_exit(config_path: str):
    """Build the Configurator for a process entry point; a configuration or plugin
    error ends the process with one line on stderr (exit 2), not a traceback."""
    from . import configure

    try:
        return configure(read_settings(config_path))
    except LearningHubError as exc:
        sys.stderr.write(f"learninghub: error: {exc}\n")
        raise SystemExit(2) from None


CLI_GROUP = "learninghub.cli"


def load_plugin_commands(group: click.Group = None) -> list[str]:
    """Add plugins' click commands (entry point group ``learninghub.cli``) to the CLI.

    A plugin declares ``learninghub.cli = audit = learninghub_audit.cli:audit`` and
    writes an ordinary click command or group; ``@pass_env`` gives it the
    :class:`Env` (``env.registry``, ``env.tenant_request(slug)``). A name that clashes
    with a kernel command, or a command that cannot be imported, is skipped with a
    warning on stderr. Returns the names added."""
    from importlib.metadata import entry_points

    group = group if group is not None else cli
    added = []
    for ep in entry_points(group=CLI_GROUP):
        if ep.name in group.commands:
            if getattr(group.commands[ep.name], "_lh_plugin", None) == ep.value:
                continue  # loaded already (main() called twice in one process)
            click.echo(f"warning: plugin command {ep.name!r} clashes; skipped", err=True)
            continue
        try:
            command = ep.load()
        except Exception as exc:  # a broken plugin must not break the kernel's CLI
            click.echo(f"warning: plugin command {ep.name!r} not loaded: {exc}", err=True)
            continue
        if not isinstance(command, click.Command):
            click.echo(f"warning: {ep.value} is not a click command; skipped", err=True)
            continue
        command._lh_plugin = ep.value
        group.add_command(command, ep.name)
        added.append(ep.name)
    return added


def main(argv: list[str] | None = None) -> None:
    load_plugin_commands()
    try:
        cli.main(args=argv, prog_name="learninghub", standalone_mode=True)
    except LearningHubError as exc:  # raised while building the app
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    # run the canonical module, not this __main__ copy: plugin commands import
    # learninghub.cli (Env, pass_env) and must see the same classes
    from learninghub.cli import main as canonical_main

    canonical_main()
