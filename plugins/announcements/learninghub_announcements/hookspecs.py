"""Hooks the announcements plugin publishes (added through ``learninghub_addhooks``).

A *scope* is where a scoped announcement belongs: ``(scope_type, scope_id)``, such as
``("course", "<course uuid>")``. Announcements without a scope are tenant-wide and
follow the plugin's own permissions. For a scope, the plugin owning its type answers
:meth:`~AnnouncementsSpecs.learninghub_announcements_scope` and
:meth:`~AnnouncementsSpecs.learninghub_announcements_can_post`; the audience hooks may
be answered by another plugin (for ``course``: courses owns the type, enrollment knows
the learners).

Every hook is a provider (``firstresult``): the first non-None answer wins, None means
"not my scope type". Implement them by name in your plugin's package ``__init__`` with
``@hookimpl`` (no import of this plugin is needed); they are called through
``request.hooks`` with keyword arguments, for plugins enabled for the tenant only.
``scope_id`` is always a string, possibly malformed for your type (answer as for an
unknown id). Calls are made once per request and scope (cached), never once per
announcement.
"""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class AnnouncementsSpecs:
    @hookspec(firstresult=True)
    def learninghub_announcements_scope(self, request, scope_type, scope_id):
        """Describe scope ``scope_id`` of ``scope_type`` if that type is yours.

        Return a dict ``{"title": str, "url": str | None}`` (the scope's name as shown
        on pages and in emails, and the path of its page) when the scope exists in the
        request's tenant and the request's user may know that it exists; ``False``
        when the type is yours but the scope does not exist for the user (unknown,
        malformed or another tenant's id, hidden from them): announcements answer 404
        then; ``None`` when the type is not yours. No plugin answering makes
        ``scope_type`` unknown: creating an announcement there is a 400."""

    @hookspec(firstresult=True)
    def learninghub_announcements_can_post(self, request, scope_type, scope_id):
        """May the request's user write, edit, publish, archive and delete drafts of
        announcements in scope ``scope_id`` of ``scope_type``? ``True`` or ``False``
        (also for a scope that does not exist), ``None`` when the type is not yours.
        Tenant-wide permissions of the announcements plugin are not required for
        scoped announcements (a course's teaching assistant may be a learner
        tenant-wide); holders of ``announcements:announcement:manage`` may always."""

    @hookspec(firstresult=True)
    def learninghub_announcements_readable_scopes(self, request, scope_type):
        """The ids (strings) of every scope of ``scope_type`` whose published
        announcements the request's user reads (their audience and the users who may
        post there), or ``None`` when the type is not yours. Called once per request
        and scope type to filter lists in SQL: answer with a fixed number of
        statements, whatever the number of scopes. An empty list when the request has
        no user."""

    @hookspec(firstresult=True)
    def learninghub_announcements_audience(self, request, scope_type, scope_id):
        """The ids (UUIDs or their strings) of the users who receive the announcements
        of scope ``scope_id`` of ``scope_type`` by email when one is published, or
        ``None`` when the type is not yours (then nobody is emailed). Called from the
        email task: ``request`` is bound to the tenant but has no user. Inactive
        users are left out by the caller."""
