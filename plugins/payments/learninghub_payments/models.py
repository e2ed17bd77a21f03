"""The tables of the payments plugin, one module per part (the names are fixed by
docs/design/commerce-contracts.md)."""

from __future__ import annotations

from .orders import models as orders  # noqa: F401
from .plans import models as plans  # noqa: F401
from .stripe_gateway import models as stripe_gateway  # noqa: F401
