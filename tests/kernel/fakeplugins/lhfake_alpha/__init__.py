"""A test plugin: a page, an API, a task, a provider hook and event recording."""

import enum
import sys

from pyramid.response import Response

from learninghub.hookspecs import hookimpl, hookspec
from learninghub.manifest import PluginManifest
from learninghub.tasks import task
from learninghub.web import NavItem

RECORDED: list = []  # (kind, value) — inspected by tests


class Permission(enum.StrEnum):
    PING = "alpha:ping:view"


manifest = PluginManifest(
    name="alpha",
    version="1.2.0",
    title="Alpha",
    permissions=Permission,
    default_grants={"learner": (Permission.PING,)},
)


class Specs:
    @hookspec(firstresult=True)
    def learninghub_alpha_provider(self, request):
        """Provide the greeting (first non-None wins)."""


@hookimpl
def learninghub_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(Specs)


@hookimpl(trylast=True)
def learninghub_alpha_provider(request):
    return "alpha-default"


@hookimpl
def learninghub_nav_items(request):
    return [NavItem(10, "Alpha", "/alpha/ping")]


@hookimpl
def learninghub_domain_event(request, event):
    RECORDED.append(("event", event.name, event.payload.get("n")))


@task("alpha.record")
def record(request, value):
    RECORDED.append(("task", value, request.tenant.slug))


@task("alpha.rename_user")
def rename_user(request, user_id, name):
    """Used by the real-worker test: an effect visible in the database."""
    import uuid

    from learninghub.identity import User

    user = request.db.get(User, uuid.UUID(user_id))
    user.display_name = name


def ping(request):
    return Response(request.hooks.learninghub_alpha_provider(request=request))


def emit(request):
    n = request.params.get("n", "0")
    request.emit("alpha.thing.happened", resource_type="thing", resource_id=n, payload={"n": n})
    request.tasks.enqueue("alpha.record", value=n)
    if request.params.get("fail"):
        raise RuntimeError("the write failed after emitting")
    return Response("ok")


FLAKY = {"left": 0}


def flaky(request):
    """Fails with a retryable error while FLAKY["left"] > 0 (like a deadlock)."""
    from transaction.interfaces import TransientError

    RECORDED.append(("attempt", request.registry.settings["retry.attempts"], None))
    if FLAKY["left"] > 0:
        FLAKY["left"] -= 1
        raise TransientError("serialization failure")
    return Response("stable")


def includeme(config):
    config.add_route("alpha.secret", "/alpha/secret")
    config.add_view(
        lambda request: Response("secret"), route_name="alpha.secret", permission=Permission.PING
    )
    config.add_route("alpha.form", "/alpha/form")
    config.add_view(
        lambda request: Response("posted"), route_name="alpha.form", request_method="POST"
    )
    config.add_route("alpha.flaky", "/alpha/flaky")
    config.add_view(flaky, route_name="alpha.flaky")
    config.add_route("alpha.ping", "/alpha/ping")
    config.add_view(ping, route_name="alpha.ping")
    config.add_route("alpha.emit", "/alpha/emit")
    config.add_view(emit, route_name="alpha.emit", require_csrf=False)


sys.modules.setdefault("lhfake_alpha", sys.modules[__name__])
