"""The tables of the streaming plugin, one module per part (the names are fixed by
docs/design/streaming-contracts.md)."""

from __future__ import annotations

from .analytics import models as analytics  # noqa: F401
from .captions import models as captions  # noqa: F401
from .downloads import models as downloads  # noqa: F401
from .transcoding import models as transcoding  # noqa: F401
