"""Admin pages: ``/admin/settings`` (plugins with settings), ``/admin/settings/{plugin}``
(typed form, secrets as set / not set with a replace box, history with changes and
rollback), ``/admin/flags`` (list and create) and ``/admin/flags/{key}`` (edit,
delete, history).

Reading needs the ``view`` permissions, changing the ``manage`` ones. The pages call
the same services as the API.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.identity import role_grants
from learninghub.permissions import KERNEL_ROLES
from learninghub.shell import gate, render_page

from . import flags as F
from . import services
from .api import PLUGIN_NAME
from .permissions import ConfigPermission as P

SETTINGS_INDEX = "config/settings_index.jinja2"
SETTINGS_PAGE = "config/settings_plugin.jinja2"
FLAGS_PAGE = "config/flags.jinja2"
FLAG_PAGE = "config/flag.jinja2"


def _gate(request, view: str, manage: str):
    return gate(request, manage if request.method == "POST" else view)


# ----------------------------------------------------------------- settings


@view_config(route_name="config.page.settings", request_method="GET")
def settings_index(request):
    denied = _gate(request, P.SETTINGS_VIEW, P.SETTINGS_MANAGE)
    if denied is not None:
        return denied
    rows = []
    for loaded in services.configurable(request):
        latest = services.versions(request, loaded.name, limit=1)
        rows.append(
            {
                "name": loaded.name,
                "title": loaded.manifest.title or loaded.name,
                "description": loaded.manifest.description or "",
                "url": request.route_path("config.page.plugin", plugin=loaded.name),
                "latest": latest[0] if latest else None,
            }
        )
    return render_page(request, SETTINGS_INDEX, section="/admin/settings", plugins=rows)


def _form_values(request, views: list[services.FieldView]) -> tuple[dict[str, Any], dict]:
    """Raw values of the non-secret fields from the form, and parse errors."""
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    post = request.POST
    for v in views:
        if v.kind == "secret":
            continue
        name = f"v.{v.name}"
        if v.kind == "bool":
            raw[v.name] = name in post
        elif v.kind == "list":
            raw[v.name] = [line.strip() for line in post.get(name, "").splitlines() if line.strip()]
        elif v.kind == "json":
            try:
                raw[v.name] = json.loads(post.get(name, "null"))
            except ValueError:
                errors[v.name] = request.gettext("Enter valid JSON.")
        elif v.kind in ("int", "float") and post.get(name, "").strip() == "":
            raw[v.name] = None  # "" would read as a missing number
        else:
            raw[v.name] = post.get(name, "")
    return raw, errors


def _save(request, plugin: str, loaded, record, views) -> tuple[dict[str, str], Any]:
    """Apply the form; returns (errors by field, new version or None)."""
    raw, errors = _form_values(request, views)
    resets = [v.name for v in views if request.POST.get(f"reset.{v.name}") and v.overridden]
    if errors:
        return errors, None
    registry = request.registry["plugins"]
    model = loaded.manifest.settings
    current = services.effective(request, loaded, record).model_dump(mode="json")
    data = dict(registry.instance_defaults.get(plugin, {}))
    data.update(record.settings or {})
    data.update(raw)
    try:
        typed = model.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        out: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            out.setdefault(str(err["loc"][0]) if err["loc"] else "", err["msg"])
        return out, None
    values = {k: typed[k] for k in raw if k not in resets and typed[k] != current[k]}
    for v in views:
        if v.kind != "secret":
            continue
        if request.POST.get(f"clear.{v.name}"):
            if v.overridden:
                resets.append(v.name)
        elif request.POST.get(f"secret.{v.name}", ""):
            values[v.name] = request.POST[f"secret.{v.name}"]
    try:
        version = services.set_plugin_settings(
            request, plugin, values, resets, comment=request.POST.get("comment", "")
        )
    except services.SettingsInvalid as exc:
        return exc.by_field, None
    return {}, version


@view_config(route_name="config.page.plugin", request_method=("GET", "POST"))
def settings_page(request):
    denied = _gate(request, P.SETTINGS_VIEW, P.SETTINGS_MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    plugin = request.matchdict["plugin"]
    if not PLUGIN_NAME.match(plugin):
        raise HTTPNotFound()
    try:
        loaded, record = services.plugin_and_record(request, plugin)
    except ProblemError:
        raise HTTPNotFound() from None
    views = services.field_views(request, loaded, record)
    url = request.route_path("config.page.plugin", plugin=plugin)
    errors: dict[str, str] = {}
    submitted: dict[str, Any] = {}
    status = 200
    flash = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "rollback":
            try:
                number = int(request.POST.get("version", ""))
                done = services.rollback(request, plugin, number)
            except (ValueError, ProblemError):
                errors = {"": _("Choose a version of the history.")}
                status = 422
            else:
                note = "rolledback" if done else "unchanged"
                return HTTPSeeOther(location=f"{url}?done={note}")
        else:
            errors, version = _save(request, plugin, loaded, record, views)
            if errors:
                status = 422
                submitted = {k[2:]: v for k, v in request.POST.items() if k.startswith("v.")}
            else:
                return HTTPSeeOther(location=f"{url}?done={'saved' if version else 'unchanged'}")
    done = request.GET.get("done")
    flash = {
        "saved": _("Settings saved."),
        "rolledback": _("Settings restored."),
        "unchanged": _("Nothing changed."),
    }.get(done or "", "")
    return render_page(
        request,
        SETTINGS_PAGE,
        status,
        section="/admin/settings",
        plugin=plugin,
        title=loaded.manifest.title or plugin,
        fields=views,
        errors=errors,
        submitted=submitted,
        flash=flash,
        history=services.versions(request, plugin),
        can_manage=request.has_permission(P.SETTINGS_MANAGE),
        url=url,
        as_json=lambda value: json.dumps(value, ensure_ascii=False),
    )


# ----------------------------------------------------------------- flags


def _known_roles(request) -> list[str]:
    roles = set(KERNEL_ROLES) | set(role_grants(request.registry, request.tenant))
    return sorted(roles)


def _flag_form(request, with_key: bool) -> dict[str, Any]:
    post = request.POST
    data: dict[str, Any] = {
        "description": post.get("description", ""),
        "enabled": "enabled" in post,
        "percentage": post.get("percentage", "").strip() or None,
        "roles": post.getall("roles"),
    }
    if with_key:
        data["key"] = post.get("key", "").strip()
    return data


def _errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        out.setdefault(str(err["loc"][0]) if err["loc"] else "", err["msg"])
    return out


@view_config(route_name="config.page.flags", request_method=("GET", "POST"))
def flags_page(request):
    denied = _gate(request, P.FLAGS_VIEW, P.FLAGS_MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"enabled": False, "percentage": 100, "roles": []}
    status = 200
    if request.method == "POST":
        form = _flag_form(request, with_key=True)
        try:
            data = F.FlagCreate.model_validate(form)
            flag = F.create_flag(request, data)
        except ValidationError as exc:
            errors, status = _errors(exc), 422
        except ProblemError as exc:
            errors, status = {"key": _("A flag with this key exists.")}, exc.status
        else:
            url = request.route_path("config.page.flag", key=flag.key)
            return HTTPSeeOther(location=f"{url}?done=created")
    return render_page(
        request,
        FLAGS_PAGE,
        status,
        section="/admin/flags",
        flags=F.list_flags(request),
        form=form,
        errors=errors,
        roles=_known_roles(request),
        can_manage=request.has_permission(P.FLAGS_MANAGE),
        flash=_("Flag deleted.") if request.GET.get("done") == "deleted" else "",
        key_pattern=F.KEY_PATTERN,
    )


@view_config(route_name="config.page.flag", request_method=("GET", "POST"))
def flag_page(request):
    denied = _gate(request, P.FLAGS_VIEW, P.FLAGS_MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    key = request.matchdict["key"]
    if not re.match(F.KEY_PATTERN, key):
        raise HTTPNotFound()
    try:
        flag = F.get_flag(request, key)
    except ProblemError:
        raise HTTPNotFound() from None
    url = request.route_path("config.page.flag", key=key)
    errors: dict[str, str] = {}
    status = 200
    form: dict[str, Any] = flag.state()
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            F.delete_flag(request, key)
            return HTTPSeeOther(location=request.route_path("config.page.flags") + "?done=deleted")
        form = _flag_form(request, with_key=False)
        try:
            change = F.FlagChange.model_validate(form)
        except ValidationError as exc:
            errors, status = _errors(exc), 422
        else:
            F.update_flag(request, key, change)
            return HTTPSeeOther(location=f"{url}?done=saved")
    flash = {"saved": _("Flag saved."), "created": _("Flag created.")}.get(
        request.GET.get("done") or "", ""
    )
    return render_page(
        request,
        FLAG_PAGE,
        status,
        section="/admin/flags",
        flag=flag,
        form=form,
        errors=errors,
        roles=_known_roles(request),
        history=F.flag_versions(request, key),
        can_manage=request.has_permission(P.FLAGS_MANAGE),
        flash=flash,
        url=url,
    )
