"""The bookmarks API for the player's page.

The JSON API (``/api/...``) authenticates by bearer token only, so the player's
script, which holds the page's session cookie, cannot call it. These page routes run
the very endpoints of the contract (docs/design/streaming-contracts.md, "downloads
and bookmarks") with the page session, the CSRF token in the ``X-CSRF-Token`` header
for writes:

* ``GET/POST /streaming/player/streams/{id}/bookmarks`` → ``/api/v1/streams/{id}/bookmarks``;
* ``PATCH/DELETE /streaming/player/bookmarks/{id}`` → ``/api/v1/streaming/bookmarks/{id}``.

The endpoint is looked up among the registered API endpoints by its path and method,
so the input models, the checks and the answers (problem+json included) are the API's
own; a part that has not registered it answers 404.
"""

from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from learninghub.api import ProblemError, _parse_body, _parse_query, _render

#: page route → the API path it runs
BRIDGED = {
    "streaming.player.bookmarks": "/api/v1/streams/{id}/bookmarks",
    "streaming.player.bookmark": "/api/v1/streaming/bookmarks/{id}",
}


def find_endpoint(registry, path: str, method: str) -> Any:
    for endpoint in registry.get("api.endpoints", []):
        if endpoint.path == path and endpoint.method == method:
            return endpoint
    return None


@view_config(route_name="streaming.player.bookmarks", request_method=("GET", "POST"))
@view_config(route_name="streaming.player.bookmark", request_method=("PATCH", "DELETE"))
def run_endpoint(request):
    """Run the API endpoint behind this page route for the signed-in visitor."""
    if request.tenant is None:
        raise ProblemError(404, "Not found", "no tenant answers on this host")
    endpoint = find_endpoint(request.registry, BRIDGED[request.matched_route.name], request.method)
    if endpoint is None or (endpoint.plugin and not request.tenant.is_enabled(endpoint.plugin)):
        raise ProblemError(404, "Not found", "bookmarks are not available here")
    if request.identity is None:
        raise ProblemError(401, "Unauthorized", "sign in to keep bookmarks")
    if endpoint.permission is not None and not request.has_permission(
        endpoint.permission, request.context
    ):
        raise ProblemError(403, "Forbidden", f"you lack the permission {endpoint.permission}")
    kwargs: dict[str, Any] = {}
    if endpoint.query is not None:
        kwargs["query"] = _parse_query(request, endpoint.query)
    if endpoint.body is not None:
        kwargs["body"] = _parse_body(request, endpoint.body)
    return _render(endpoint, endpoint.view(request, **kwargs), request)
