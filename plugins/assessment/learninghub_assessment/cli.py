"""``learninghub assessment ...`` commands (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import click

from learninghub.cli import pass_env


@click.group(help="Quizzes, attempts and grades.")
def assessment() -> None:
    pass


@assessment.command("close-expired")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def close_expired(env, slug: str | None) -> None:
    """Close and grade open attempts whose time is up (for cron: a delayed task kept
    in process memory is lost when the process stops)."""
    from .quizzes.cli import close_expired_command

    close_expired_command(env, slug)
