"""Service interfaces of the kernel.

Every replaceable back end is a ``zope.interface`` interface registered with
pyramid_services and chosen by a setting. Each interface has an embedded
implementation (the default for development) and a production one, and a
contract-test mixin in :mod:`learninghub.testing.contracts` that every
implementation must pass.

Rules shared by all services:

* Every method that touches tenant data takes ``tenant_id`` (a ``uuid.UUID`` or its
  string form) explicitly; services never read a threadlocal request.
* Keys, index names and channels are always prefixed by the tenant inside the
  implementation: one tenant can never name another tenant's data.
* Services are created once per process by ``factory(settings)`` and must be
  thread-safe (waitress serves requests from several threads).
"""

from __future__ import annotations

from zope.interface import Interface


class IFileStorage(Interface):
    """Binary object storage, tenant-prefixed.

    Keys are relative POSIX-style paths made of ``[A-Za-z0-9._-]`` segments separated
    by ``/``. A key that is absolute, empty, contains ``..`` segments, backslashes, NUL
    bytes or other characters raises :class:`learninghub.errors.InvalidStorageKey`.
    The stored object lives under ``<tenant_id>/<key>``: path traversal is impossible
    by construction.
    """

    def save(tenant_id, key, data, content_type=None):
        """Store ``data`` (bytes or a binary file object) under ``key``.

        Writes are atomic: readers see the old object or the new one, never a partial
        file. Returns the number of bytes written."""

    def open(tenant_id, key):
        """Return a readable binary file object. Raises ``KeyError`` when missing."""

    def read(tenant_id, key):
        """Return the whole object as bytes. Raises ``KeyError`` when missing."""

    def exists(tenant_id, key):
        """Return True when the object exists."""

    def delete(tenant_id, key):
        """Delete the object; deleting a missing key is not an error."""

    def list(tenant_id, prefix=""):
        """Return the sorted keys under ``prefix`` (relative to the tenant)."""

    def size(tenant_id, key):
        """Return the object's size in bytes. Raises ``KeyError`` when missing."""

    def local_path(tenant_id, key):
        """Return a filesystem path for the object when the back end has one (used to
        hand files to ffmpeg or waitress' file wrapper), else None."""

    def check_writable():
        """Raise an exception when the storage cannot be written (readiness check)."""


class ISearchIndex(Interface):
    """Full-text search, one logical index per tenant.

    Documents are dicts with a string ``id``, a ``type`` (e.g. ``"course"``), a
    ``title`` and a ``body``; extra string fields are stored and returned. Writes are
    batched and visible to searches once :meth:`commit` returns (the embedded
    implementation commits at the end of each ``index``/``delete`` batch call).
    """

    def index(tenant_id, documents):
        """Add or replace documents (an iterable of dicts) for one tenant."""

    def delete(tenant_id, ids):
        """Remove documents by id for one tenant."""

    def search(tenant_id, query, *, types=None, limit=20, offset=0):
        """Return ``{"total": int, "hits": [{"id", "type", "title", "score", ...}]}``.

        ``query`` is user text: it never raises on syntax the parser does not like."""

    def clear(tenant_id):
        """Remove every document of the tenant."""


class IMailer(Interface):
    """Outgoing email. Mail is sent only after the surrounding transaction commits.

    ``send`` joins the given transaction manager (``request.tm``): if the
    transaction aborts, nothing is sent. ``send_immediately`` bypasses the
    transaction (used by tasks, which already run after commit).
    """

    def send(message, transaction_manager=None):
        """Queue an :class:`email.message.EmailMessage` for delivery after commit."""

    def send_immediately(message):
        """Deliver an :class:`email.message.EmailMessage` now."""


class ICache(Interface):
    """Cache and counter store (rate limits, computed fragments).

    Keys are namespaced by tenant: ``tenant_id`` may be None only for instance-wide
    values. Values are JSON-serialisable.
    """

    def get(tenant_id, key, default=None):
        """Return the cached value or ``default``."""

    def get_many(tenant_id, keys, default=None):
        """Return a list with the value (or ``default``) of each key, in order; one
        round trip on a networked store (the page cache checks every generation a
        cached page depends on with one call)."""

    def set(tenant_id, key, value, ttl=None):
        """Store a value; ``ttl`` in seconds (None = no expiry)."""

    def delete(tenant_id, key):
        """Remove a value."""

    def incr(tenant_id, key, amount=1, ttl=None):
        """Atomically add ``amount`` to an integer counter and return the new value.

        ``ttl`` is applied when the counter is created (fixed-window rate limits)."""

    def ping():
        """Raise when the store cannot be reached (readiness check)."""


class IEventTransport(Interface):
    """Publish/subscribe for realtime pushes (chat, presence, notifications).

    Channels are namespaced by tenant. Delivery is at-most-once and best-effort:
    durable state always lives in the database; the transport only tells the
    gateway nodes that something changed.
    """

    def publish(tenant_id, channel, message):
        """Publish a JSON-serialisable message on ``channel``."""

    def subscribe(tenant_id, channel, callback):
        """Call ``callback(message)`` for each message published on ``channel``
        (from any process for distributed implementations). Returns a
        subscription object with a ``close()`` method."""

    def ping():
        """Raise when the transport cannot be reached (readiness check)."""


class IRateLimiter(Interface):
    """Token buckets for rate limits (the API gateway role), namespaced by tenant.

    A bucket named ``key`` holds at most ``limit`` tokens and refills continuously at
    ``limit / period`` tokens per second; a full bucket allows a burst of ``limit``
    requests. Implementations use GCRA (one stored timestamp per bucket), which is
    equivalent. ``tenant_id`` may be None for hosts that name no tenant. Distributed
    implementations share buckets between processes and take time from one clock
    (the server's), so several app nodes enforce one limit.
    """

    def hit(tenant_id, key, limit, period, cost=1):
        """Take ``cost`` tokens (an int, 0 <= cost <= limit) from the bucket ``key``.

        ``limit`` is a positive int and ``period`` a positive number of seconds.
        Returns a :class:`learninghub.services.ratelimit.RateLimitResult`. A refused hit
        takes nothing; ``cost=0`` only reports the bucket's state."""

    def reset(tenant_id, key):
        """Refill the bucket ``key`` (forget it)."""

    def ping():
        """Raise when the store cannot be reached (readiness check)."""
