"""Command line: ``learninghub certificates evaluate [--tenant SLUG] [--course ID]``.

Re-checks every completed enrolment without a valid certificate (e.g. after a
course's criteria changed, or to catch up after an outage) and issues the
certificates whose criteria hold, one transaction per tenant.
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from learninghub.cli import Env, pass_env

from . import services


def certifying_tenants(env: Env) -> list[str]:
    return env.plugin_tenants(services.PLUGIN)


def evaluate_tenant(request, course_id=None) -> int:
    """Issue every due certificate of the request's tenant (of one course when
    ``course_id`` is given). Returns the number issued."""
    from learninghub_enrollment.models import Enrollment

    from .models import Certificate

    valid = sa.select(Certificate.id).where(
        Certificate.course_id == Enrollment.course_id,
        Certificate.user_id == Enrollment.user_id,
        Certificate.status == "valid",
    )
    stmt = sa.select(Enrollment.course_id, Enrollment.user_id).where(
        Enrollment.completed_at.is_not(None),
        Enrollment.status != "cancelled",
        ~valid.exists(),
    )
    if course_id is not None:
        stmt = stmt.where(Enrollment.course_id == course_id)
    base_url = services.public_base(request)
    issued = 0
    courses: dict = {}
    for course_key, user_key in request.db.execute(stmt.order_by(Enrollment.course_id)).all():
        if course_key not in courses:
            courses[course_key] = services.get_course(request.db, course_key)
        course = courses[course_key]
        if course is None:
            continue
        before = services.valid_certificate(request.db, course_key, user_key)
        after = services.issue(request, course, user_key, base_url=base_url)
        if before is None and after is not None:
            issued += 1
    return issued


@click.group()
def certificates():
    """Certificates: evaluate criteria and issue what is due."""


@certificates.command()
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@click.option("--course", "course", default=None, help="One course id.")
@pass_env
def evaluate(env: Env, slug: str | None, course: str | None) -> None:
    """Issue the certificates whose criteria hold (completed enrolments without one)."""
    course_id = None
    if course is not None:
        course_id = services.as_uuid(course)
        if course_id is None:
            raise click.BadParameter("not a course id", param_hint="--course")
    slugs = [slug] if slug else certifying_tenants(env)
    total = 0
    for one in slugs:
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(services.PLUGIN):
                raise click.ClickException(f"the certificates plugin is not enabled for {one!r}")
            count = evaluate_tenant(request, course_id)
        click.echo(f"{one}: {count} issued")
        total += count
    click.echo(f"total: {total} issued")
