"""Command line: ``learninghub gamification ...``.

* ``evaluate-badges [--tenant SLUG]`` — award the active badges learners already meet
  (also queued after a badge is created or activated);
* ``rebuild-leaderboards [--tenant SLUG]`` — rebuild the leaderboards from the points
  ledger (after a crash between a commit and the board's update, or a back-end change).

One transaction per tenant; without ``--tenant``, every tenant with the plugin enabled.
"""

from __future__ import annotations

import click

from learninghub.cli import Env, pass_env

from .rules import PLUGIN


def gamified_tenants(env: Env) -> list[str]:
    return env.plugin_tenants(PLUGIN)


def for_each_tenant(env: Env, slug: str | None, run) -> None:
    for one in [slug] if slug else gamified_tenants(env):
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(PLUGIN):
                raise click.ClickException(f"the gamification plugin is not enabled for {one!r}")
            click.echo(f"{one}: {run(request)}")


@click.group()
def gamification() -> None:
    """Points, badges and leaderboards."""


@gamification.command("evaluate-badges")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def evaluate_badges(env: Env, slug: str | None) -> None:
    """Award the active badges whose criteria learners already meet."""
    from .services import evaluate_badges as evaluate

    for_each_tenant(env, slug, lambda request: f"{evaluate(request)} awarded")


@gamification.command("rebuild-leaderboards")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def rebuild_leaderboards(env: Env, slug: str | None) -> None:
    """Rebuild the leaderboards from the points ledger."""
    from .services import leaderboard_services

    boards = leaderboard_services()
    if boards is None:
        raise click.ClickException("the leaderboards are not installed")
    for_each_tenant(env, slug, lambda request: f"{boards.rebuild(request)} entries")
