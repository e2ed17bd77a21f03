"""Calling the commerce hooks so that their refusals count.

``request.hooks`` isolates implementations: one that raises is logged and skipped.
That is right for a navigation entry, wrong for ``learninghub_payments_adjustments``
(a coupon that cannot be held must stop the order: the 409 must reach the buyer) and
for ``learninghub_payments_order_settled`` (a hold that cannot be turned into a use
must roll the settlement back rather than leave the two plugins disagreeing). So
payments calls these two hooks here: the same implementations, in the same order,
filtered to the plugins enabled for the request's tenant, but an exception
propagates (and the caller's transaction or savepoint rolls back).
"""

from __future__ import annotations

from typing import Any


def call_strictly(hook_request, name: str, /, **kwargs: Any) -> list:
    """Call hook ``name`` like ``request.hooks`` (tenant-enabled implementations in
    pluggy's order; the list of non-None answers) but let exceptions propagate."""
    plugins = hook_request.registry["plugins"]
    hook = getattr(plugins.pm.hook, name)
    tenant = hook_request.tenant
    enabled = tenant.enabled_plugins if tenant is not None else frozenset()
    results = []
    for impl in reversed(hook.get_hookimpls()):  # pluggy calls LIFO
        if impl.plugin_name in plugins.plugins and impl.plugin_name not in enabled:
            continue
        if impl.hookwrapper or impl.wrapper:
            continue
        result = impl.function(*[kwargs[a] for a in impl.argnames])
        if result is not None:
            results.append(result)
    return results
