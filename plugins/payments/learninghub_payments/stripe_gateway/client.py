"""One Stripe client per call, built from the tenant's settings.

The secret key is the tenant's (``stripe_secret_key``, sealed at rest); the API base
URL is the instance's (``stripe_api_base``, instance-only), so a tenant can never send
its key elsewhere. A client is made for each use: nothing is shared between tenants
(``stripe.api_key`` and the other module globals are never touched).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from learninghub.api import ProblemError

PLUGIN = "payments"
T = TypeVar("T")


def settings(request):
    return request.plugin_settings(PLUGIN)


def make_client(request) -> stripe.StripeClient:
    values = settings(request)
    if not values.stripe_secret_key.is_set:
        raise ProblemError(
            503,
            "Service unavailable",
            "Stripe is not configured: an admin must set the Stripe secret key",
        )
    return stripe.StripeClient(
        values.stripe_secret_key.reveal(request),
        base_addresses={"api": values.stripe_api_base},
        # safe to retry: every write carries an idempotency key
        max_network_retries=2,
    )


def call(what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one Stripe call; its failures become a 502 problem naming ``what`` (the
    request's transaction then rolls back: nothing is half-written here)."""
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as exc:
        message = exc.user_message or str(exc) or type(exc).__name__
        raise ProblemError(
            502, "Payment provider error", f"Stripe could not {what}: {message}"
        ) from None


def options(key: str) -> dict[str, Any]:
    return {"idempotency_key": key}
