"""The kernel's own navigation entries (registered with the plugin manager as
"kernel", so they are always called)."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..permissions import KernelPermission as K
from ..web import NavItem


@hookimpl
def learninghub_nav_items(request):
    if request.identity is None:
        return [NavItem(900, "Sign in", "/login")]
    items = [
        NavItem(800, "Profile", "/account/profile"),
        NavItem(810, "Security", "/account/security"),
    ]
    if request.has_permission(K.USERS_VIEW):
        items.append(NavItem(700, "Users", "/admin/users"))
    return items
