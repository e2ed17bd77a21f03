"""The kernel's own hook implementations for the web shell: main navigation, the
user menu and the admin shell's sections."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..permissions import KernelPermission as K
from ..web import NavItem


@hookimpl
def learninghub_nav_items(request):
    _ = request.gettext
    if request.identity is None:
        return []
    items = [NavItem(10, _("Dashboard"), "/dashboard")]
    if any(
        request.has_permission(p)
        for p in (K.SETTINGS_MANAGE, K.PLUGINS_MANAGE, K.USERS_VIEW, K.USERS_MANAGE)
    ):
        items.append(NavItem(950, _("Administration"), "/admin"))
    return items


@hookimpl
def learninghub_user_menu_items(request):
    _ = request.gettext
    if request.identity is None:
        return []
    return [
        NavItem(800, _("Profile"), "/account/profile"),
        NavItem(810, _("Security"), "/account/security"),
        NavItem(820, _("Display and accessibility"), "/preferences/display"),
    ]


@hookimpl
def learninghub_admin_sections(request):
    _ = request.gettext
    items = []
    if request.has_permission(K.SETTINGS_MANAGE):
        items += [
            NavItem(100, _("Site settings"), "/admin"),
            NavItem(110, _("Branding"), "/admin/branding"),
            NavItem(120, _("Domains"), "/admin/domains"),
        ]
    if request.has_permission(K.PLUGINS_MANAGE):
        items.append(NavItem(200, _("Plugins"), "/admin/plugins"))
    if request.has_permission(K.USERS_VIEW):
        items.append(NavItem(300, _("Users"), "/admin/users"))
    return items
