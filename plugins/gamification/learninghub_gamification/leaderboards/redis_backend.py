"""Leaderboards in Redis sorted sets (production back end).

One sorted set per (tenant, scope, period key): ``lh:{<tenant>}:gamification:lb:<scope>:
<period key>``, scope ``t`` (tenant-wide) or ``c<course hex>``, period key ``w2026-48``,
``m2026-11`` or ``all``. Members are user ids (32 hex digits); a score is the user's
points **negated**, so an ascending ZRANGE lists most points first and equal points by
user id. A user's competition rank is 1 + ZCOUNT of the strictly better scores.

Week and month sets expire :data:`RETAIN` after their period ends. The tenant's hidden
users (privacy switch) are a set that :meth:`RedisLeaderboard.add` checks in the same
script as it counts, so an entry that arrives after the switch never shows the user
again. An index set lists the tenant's sorted sets (for the privacy switch and
rebuilds). The ``{<tenant>}`` hash tag keeps a tenant's keys in one cluster slot, which
the scripts need.

Feeding: :func:`learninghub_gamification.leaderboards.services.record` calls
:meth:`add` after the ledger entry's transaction commits (never for a rolled-back one);
an entry lost to a crash between the commit and the call is repaired by ``learninghub
gamification rebuild-leaderboards``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

import redis
from zope.interface import implementer

from .interfaces import Entry, ILeaderboard, Period, Rank
from .periods import as_utc, period_key, window

#: how long a week's or month's set outlives its period
RETAIN = timedelta(days=35)

_ADD = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
for i = 3, #KEYS do
  redis.call('ZINCRBY', KEYS[i], ARGV[2], ARGV[1])
  redis.call('SADD', KEYS[2], KEYS[i])
  local expires = tonumber(ARGV[i])
  if expires > 0 then redis.call('EXPIREAT', KEYS[i], expires) end
end
return 1
"""

_REMOVE = """
redis.call('SADD', KEYS[1], ARGV[1])
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZREM', key, ARGV[1])
  else
    redis.call('SREM', KEYS[2], key)
  end
end
return 1
"""

# KEYS: hidden, index, sets...; ARGV: member, then (score, expires) per set
_RESTORE = """
redis.call('SREM', KEYS[1], ARGV[1])
for i = 3, #KEYS do
  local score = ARGV[2 * (i - 2)]
  local expires = tonumber(ARGV[2 * (i - 2) + 1])
  redis.call('ZADD', KEYS[i], score, ARGV[1])
  redis.call('SADD', KEYS[2], KEYS[i])
  if expires > 0 then redis.call('EXPIREAT', KEYS[i], expires) end
end
return 1
"""


def _zone(zone: tzinfo | None) -> tzinfo:
    return zone if zone is not None else UTC


@implementer(ILeaderboard)
class RedisLeaderboard:
    name = "redis"
    needs_feeding = True

    def __init__(self, url: str | None = None, *, client: redis.Redis | None = None) -> None:
        if client is None:
            if not url:
                raise ValueError("a Redis URL or client is needed")
            client = redis.Redis.from_url(url)
        self._client = client
        self._add = client.register_script(_ADD)
        self._remove = client.register_script(_REMOVE)
        self._restore = client.register_script(_RESTORE)

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ keys
    @staticmethod
    def prefix(tenant_id: uuid.UUID) -> str:
        return f"lh:{{{tenant_id}}}:gamification:lb"

    @classmethod
    def board_key(cls, tenant_id: uuid.UUID, course_id: uuid.UUID | None, pkey: str) -> str:
        scope = "t" if course_id is None else f"c{course_id.hex}"
        return f"{cls.prefix(tenant_id)}:{scope}:{pkey}"

    @classmethod
    def hidden_key(cls, tenant_id: uuid.UUID) -> str:
        return f"{cls.prefix(tenant_id)}:hidden"

    @classmethod
    def index_key(cls, tenant_id: uuid.UUID) -> str:
        return f"{cls.prefix(tenant_id)}:index"

    def _targets(
        self, tenant_id: uuid.UUID, when: datetime, course_id: uuid.UUID | None, zone: tzinfo
    ) -> list[tuple[str, int]]:
        """(set key, expiry as a Unix time or 0) of every board an entry counts on."""
        out = []
        for scope in (None, course_id) if course_id is not None else (None,):
            for period in ("week", "month", "all"):
                bounds = window(period, when, zone)
                expires = int((bounds[1] + RETAIN).timestamp()) if bounds else 0
                out.append(
                    (self.board_key(tenant_id, scope, period_key(period, when, zone)), expires)
                )
        return out

    # ------------------------------------------------------------------ writes
    def add(self, tenant_id, user_id, points, when, course_id=None, *, zone=None) -> None:
        targets = self._targets(tenant_id, as_utc(when), course_id, _zone(zone))
        self._add(
            keys=[self.hidden_key(tenant_id), self.index_key(tenant_id)] + [k for k, _ in targets],
            args=[user_id.hex, -int(points)] + [e for _, e in targets],
        )

    def remove_user(self, tenant_id, user_id) -> None:
        self._remove(
            keys=[self.hidden_key(tenant_id), self.index_key(tenant_id)], args=[user_id.hex]
        )

    def _totals(
        self, tenant_id: uuid.UUID, entries: Iterable[Entry], zone: tzinfo
    ) -> dict[str, tuple[dict[str, int], int]]:
        """set key -> ({member: points}, expiry) of ``entries``."""
        totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        expiry: dict[str, int] = {}
        for entry in entries:
            for key, expires in self._targets(tenant_id, as_utc(entry.when), entry.course_id, zone):
                totals[key][entry.user_id.hex] += int(entry.points)
                expiry[key] = expires
        return {key: (dict(members), expiry[key]) for key, members in totals.items()}

    def restore_user(self, tenant_id, user_id, entries, *, zone=None) -> None:
        now = datetime.now(UTC).timestamp()
        keys: list[str] = []
        args: list = [user_id.hex]
        for key, (members, expires) in self._totals(tenant_id, entries, _zone(zone)).items():
            if expires and expires <= now:
                continue  # a period long gone: its set has expired
            keys.append(key)
            args += [-members[user_id.hex], expires]
        self._restore(
            keys=[self.hidden_key(tenant_id), self.index_key(tenant_id)] + keys, args=args
        )

    def rebuild(self, tenant_id, entries, *, hidden=(), zone=None) -> None:
        hidden_hex = {u.hex for u in hidden}
        totals = self._totals(
            tenant_id, (e for e in entries if e.user_id.hex not in hidden_hex), _zone(zone)
        )
        index = self.index_key(tenant_id)
        old = [k.decode() for k in self._client.smembers(index)]
        now = datetime.now(UTC).timestamp()
        with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(index, self.hidden_key(tenant_id), *old)
            if hidden_hex:
                pipe.sadd(self.hidden_key(tenant_id), *sorted(hidden_hex))
            for key, (members, expires) in totals.items():
                if expires and expires <= now:
                    continue
                pipe.zadd(key, {member: -points for member, points in members.items()})
                pipe.sadd(index, key)
                if expires:
                    pipe.expireat(key, expires)
            pipe.execute()

    def clear(self, tenant_id: uuid.UUID) -> None:
        """Forget every board of the tenant (tests, purge)."""
        self.rebuild(tenant_id, ())

    # ------------------------------------------------------------------ reads
    def _key_now(self, tenant_id, period: Period, course_id, zone, now) -> str:
        when = as_utc(now) if now is not None else datetime.now(UTC)
        return self.board_key(tenant_id, course_id, period_key(period, when, _zone(zone)))

    def top(
        self, tenant_id, period, course_id=None, limit=10, offset=0, *, zone=None, now=None
    ) -> list[Rank]:
        if limit <= 0:
            return []
        key = self._key_now(tenant_id, period, course_id, zone, now)
        rows = self._client.zrange(key, offset, offset + limit - 1, withscores=True)
        if not rows:
            return []
        first_rank = self._client.zcount(key, "-inf", f"({rows[0][1]}") + 1
        out: list[Rank] = []
        for position, (member, score) in enumerate(rows):
            if out and score == rows[position - 1][1]:
                rank = out[-1].rank
            elif not out:
                rank = first_rank
            else:
                rank = offset + position + 1
            out.append(Rank(uuid.UUID(member.decode()), int(-score), rank))
        return out

    def rank_of(
        self, tenant_id, user_id, period, course_id=None, *, zone=None, now=None
    ) -> Rank | None:
        key = self._key_now(tenant_id, period, course_id, zone, now)
        score = self._client.zscore(key, user_id.hex)
        if score is None:
            return None
        better = self._client.zcount(key, "-inf", f"({score}")
        return Rank(user_id, int(-score), better + 1)
