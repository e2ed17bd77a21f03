"""The kernel's hook specifications (the contract every plugin implements against).

Rules:

* Hook names start with ``learninghub_``. Plugins publish their own hookspecs to
  each other through :func:`learninghub_addhooks` (historic: a plugin loaded later
  still receives it), and name them ``learninghub_<plugin>_<what>``.
* Call hooks through ``request.hooks.<name>(...)`` (a :class:`~learninghub.plugins.HookRelay`):
  only implementations of the kernel and of plugins *enabled for the request's
  tenant* are called. ``registry["plugins"].pm.hook`` calls every plugin and is
  reserved for instance-wide hooks (``learninghub_addhooks``).
* Isolation: an implementation that raises is logged with the plugin's name and
  skipped; the other implementations still run and the page still renders. For
  ``firstresult`` hooks (providers) the next implementation in order is asked
  instead, so a broken provider falls back to the next one (ultimately the kernel's
  default, registered ``trylast``).
* Hook implementations take keyword arguments only, and may accept a subset of the
  spec's arguments (pluggy rule). ``request.hooks`` does not run pluggy hook
  wrappers (``hookwrapper=True`` / ``wrapper=True``); use them only on hooks called
  through ``pm.hook``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("learninghub")
hookimpl = pluggy.HookimplMarker("learninghub")


@hookspec(historic=True)
def learninghub_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Called once per plugin at load time: add your own hookspecs with
    ``pluginmanager.add_hookspecs(module)`` so that other plugins can implement them."""


@hookspec
def learninghub_nav_items(request) -> list:
    """Return navigation entries (:class:`learninghub.web.NavItem`) for the request's
    user. Entries of plugins not enabled for the tenant never appear."""


@hookspec
def learninghub_domain_event(request, event) -> None:
    """A domain event (:class:`learninghub.events.DomainEvent`) happened and its
    transaction committed. Runs after commit: do not write through ``request.db``
    here; enqueue a task instead (``request.tasks.enqueue``), which runs in its own
    transaction. Called once per event; implementations must be idempotent on
    ``event.id`` when they have effects (a task may be retried)."""


@hookspec
def learninghub_domain_event_emitted(request, event) -> None:
    """A domain event was just emitted, *inside* the request's transaction: rows
    written here through ``request.db`` commit or roll back together with the change
    that caused the event (the audit trail uses it so that nothing is lost or
    recorded for a change that did not happen). Keep it cheap and never call
    external systems here; use ``learninghub_domain_event`` (after commit) for that.
    An implementation that raises is logged and skipped like every hook."""


@hookspec
def learninghub_signed_in(request, user, response) -> None:
    """``user`` just signed in on the pages: a new page session starts and ``response``
    (a redirect) sets its cookie. Runs inside the request's transaction, for the
    tenant's enabled plugins: move what belonged to the anonymous visitor to the user
    (the cart merges a guest cart kept in a cookie) and change ``response`` if needed
    (delete that cookie). Not called for API token sign-ins. An implementation that
    raises is logged and skipped like every hook: sign-in never fails because of it."""


@hookspec
def learninghub_readiness_checks(request) -> list:
    """Return ``(name, callable)`` pairs; each callable raises when the plugin is not
    ready. Shown per check by ``/readyz``."""


@hookspec
def learninghub_user_menu_items(request) -> list:
    """Return entries (:class:`learninghub.web.NavItem`) for the signed-in user's menu
    (profile, security, sign out are the kernel's)."""


@hookspec
def learninghub_header_items(request) -> list:
    """Return small HTML fragments (``markupsafe.Markup``) for the header's
    notifications slot, e.g. a bell with an unread count. Escape what you interpolate."""


@hookspec
def learninghub_dashboard_widgets(request) -> list:
    """Return :class:`learninghub.web.Widget` entries for the learner dashboard
    (``/dashboard``); each names a template rendered with the widget's context inside
    the theme's widget frame."""


@hookspec
def learninghub_admin_sections(request) -> list:
    """Return :class:`learninghub.web.NavItem` entries for the tenant admin shell's
    side navigation (``/admin``); show only what the request's user may open."""


@hookspec
def learninghub_demo_data(request) -> None:
    """``learninghub demo`` asks each plugin enabled for a demo tenant to seed realistic
    demo content through ``request.db`` (bound to that tenant; committed after all
    implementations ran). Must be idempotent: ``learninghub demo`` runs on every
    ``./scripts/run.sh``. Find users by the demo e-mail addresses
    (``admin@demo.example``, ``instructor@demo.example``, ``learner@demo.example``)."""
