"""Rate limits for everything a stranger can knock on, shared by every server process.

`hit(action, ip=..., email=...)` counts one attempt per given dimension against
settings.RATE_LIMITS[f"{action}.{dimension}"] and raises RateLimited when any is over. Call it
once per root field call (in the resolver or service, never per HTTP request), so aliases and
batching cannot multiply an allowance, and call it *outside* the use case's transaction: on the
embedded default the counters are rows of the same database, and a rolled-back attempt must
still count.

The counting is the `limits` package's fixed-window strategy (ops/adr: rate limits). Its
Redis storage holds the counters when REDIS_URL is set; otherwise DatabaseStorage below, one
atomic upsert per hit in the shared SQLite/PostgreSQL database, which every process of the
machine sees (per-process memory would multiply the limit by the number of workers).
Stored keys are keyed hashes of the values: no address or e-mail sits in Redis or the table.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.db import connection
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from .errors import DomainError, ErrorCode
from .models import RateLimitCounter


class RateLimited(DomainError):
    """Too many attempts; `retry_after` whole seconds (>= 1) until the next may pass."""

    def __init__(self, retry_after: int, field: str | None = None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"Too many attempts. Please try again in {self.retry_after} seconds.",
            field,
        )


def hit(action: str, **keys: object) -> None:
    """Count one attempt at `action` for each given key (dimension=value, e.g. ip="1.2.3.4",
    email="a@b.de", device=uuid; None values are skipped). The rate of each dimension is
    settings.RATE_LIMITS[f"{action}.{dimension}"] (e.g. "10/minute", "5/hour", "3/day");
    a dimension without a rate is a programming error (KeyError). Raises RateLimited with the
    longest retry_after when any dimension is over its rate."""
    limiter = _limiter()
    retry_after = 0.0
    for dimension, value in keys.items():
        if value is None:
            continue
        name = f"{action}.{dimension}"
        identifier = _digest(name, str(value))
        for item in _rates(settings.RATE_LIMITS[name]):
            if not limiter.hit(item, name, identifier):
                reset = limiter.storage.get_expiry(item.key_for(name, identifier))
                # Redis reports whole seconds: never more than the window itself.
                retry_after = max(retry_after, min(reset - time.time(), item.get_expiry()))
    if retry_after > 0:
        raise RateLimited(math.ceil(retry_after))


def knock(action: str, request, **keys: object) -> None:
    """hit() for one root field call of a request: counted per caller (caller_keys) and per
    the extra keys (e.g. email=...). Refusals also count towards a burst alert."""
    try:
        hit(action, **caller_keys(request), **keys)
    except RateLimited:
        from .bursts import note_burst

        note_burst("rate_limited", request)
        raise


def client_ip(request) -> str:
    """REMOTE_ADDR, or the right-most X-Forwarded-For address not in TRUSTED_PROXIES when the
    direct peer is a trusted proxy (settings.TRUSTED_PROXIES: env list of IPs/CIDRs)."""
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a value, not a bind)
    proxies = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not proxies or not _is_in(peer, proxies):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    # Walk from the nearest hop outwards: each trusted proxy vouches for the hop before it;
    # the first address no trusted proxy sent is the client. Anything further left was
    # written by the client itself and is ignored.
    for entry in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            break  # garbage from a hop we cannot trust: keep the last proxy's word
        client = entry
        if not _is_in(entry, proxies):
            break
    return client


def client_network(ip: str) -> str:
    """The unit an address limit counts: the address itself, but an IPv6 /64 as a whole
    (one subscriber line gets a whole /64 and can rotate through it at will)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def caller_keys(request) -> dict[str, Any]:
    """The dimensions a request is counted under: an integration by its API token only (its
    own, higher limits; many citizens may share its server's address), everybody else by
    network and, where there is one, session."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return {"token": token.pk}
    session = getattr(request, "session", None)
    return {
        "ip": client_network(client_ip(request)),
        "session": session.session_key if session is not None else None,
    }


def count_in_window(name: str, value: str, window_seconds: int) -> int:
    """Count one event in a fixed window of its own (no limit; e.g. burst detection) and
    return the count so far in this window."""
    return _limiter().storage.incr(_count_key(name, value, window_seconds), window_seconds)


def peek_in_window(name: str, value: str, window_seconds: int) -> int:
    """The count_in_window() count so far, without counting."""
    return _limiter().storage.get(_count_key(name, value, window_seconds))


def first_time(name: str, value: str, keep_seconds: int) -> bool:
    """True for the first caller to present `value` within keep_seconds, False for every
    later one, also for callers racing it in other processes (one atomic increment)."""
    return _limiter().storage.incr(_once_key(name, value), keep_seconds) == 1


def first_time_and_count(
    once: tuple[str, str, int], count: tuple[str, str, int]
) -> tuple[bool, int]:
    """first_time(*once) and count_in_window(*count) together, in one round trip on Redis
    (a pipeline of the two atomic increments; a proof's spend pays for it on every honest
    booking): whether `once` was new, and the count including this one."""
    storage = _limiter().storage
    once_key = _once_key(once[0], once[1])
    count_key = _count_key(count[0], count[1], count[2])
    if isinstance(storage, RedisStorage):
        client: Any = storage.get_connection()  # a redis.Redis (limits types it as a protocol)
        pipe = client.pipeline(transaction=False)
        for key, expiry in ((once_key, once[2]), (count_key, count[2])):
            storage.lua_incr_expire([storage.prefixed_key(key)], [expiry, 1], client=pipe)
        seen, counted = pipe.execute()
        return int(seen) == 1, int(counted)
    return storage.incr(once_key, once[2]) == 1, storage.incr(count_key, count[2])


def _count_key(name: str, value: str, window_seconds: int) -> str:
    return f"COUNT/{name}/{_digest(name, value)}/{window_seconds}"


def _once_key(name: str, value: str) -> str:
    return f"ONCE/{name}/{_digest(name, value)}"


def keyed_hash(value: str) -> str:
    """A stable keyed hash (HMAC with SECRET_KEY) for storing who did something without
    storing an address, session id or e-mail."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def retry_after_seconds(error: DomainError) -> int | None:
    return error.retry_after if isinstance(error, RateLimited) else None


# --- storage ---------------------------------------------------------------------------------


class DatabaseStorage(Storage):
    """`limits` storage on the Django database (table core_ratelimitcounter): one atomic
    INSERT ... ON CONFLICT DO UPDATE per hit (SQLite >= 3.35 and PostgreSQL), so processes
    sharing the database share the counts. Expired rows are reused in place and purged by the
    hourly job backend.core.tasks.purge_rate_limit_counters."""

    STORAGE_SCHEME = ["vorzimmer-db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        from django.db import DatabaseError

        return DatabaseError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
        now = time.time()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (bucket, hits, expires_at) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT (bucket) DO UPDATE SET "
                f"hits = CASE WHEN {table}.expires_at <= %s THEN excluded.hits "
                f"ELSE {table}.hits + excluded.hits END, "
                f"expires_at = CASE WHEN {table}.expires_at <= %s THEN excluded.expires_at "
                f"ELSE {table}.expires_at END "
                f"RETURNING hits",
                [key, amount, now + expiry, now, now],
            )
            return int(cursor.fetchone()[0])

    def get(self, key: str) -> int:
        row = RateLimitCounter.objects.filter(bucket=key, expires_at__gt=time.time()).first()
        return row.hits if row else 0

    def get_expiry(self, key: str) -> float:
        row = RateLimitCounter.objects.filter(bucket=key).first()
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        RateLimitCounter.objects.exists()  # raises when the database is unreachable
        return True

    def reset(self) -> int | None:
        return RateLimitCounter.objects.all().delete()[0]

    def clear(self, key: str) -> None:
        RateLimitCounter.objects.filter(bucket=key).delete()


def purge_expired() -> int:
    return RateLimitCounter.objects.filter(expires_at__lte=time.time()).delete()[0]


def _limiter() -> FixedWindowRateLimiter:
    prefix = settings.RATE_LIMIT_KEY_PREFIX
    if settings.REDIS_URL:
        return _redis_limiter(settings.REDIS_URL, prefix)
    return _database_limiter(prefix)


@functools.cache
def _redis_limiter(url: str, prefix: str) -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(storage_from_string(url, key_prefix=prefix))


@functools.cache
def _database_limiter(prefix: str) -> FixedWindowRateLimiter:
    # The prefix goes into the identifiers (_digest), so one storage serves every prefix.
    return FixedWindowRateLimiter(DatabaseStorage())


@functools.cache
def _rates(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def _digest(name: str, value: str) -> str:
    """A keyed hash of the counted value (with the key prefix, so tests never share)."""
    key = f"{settings.SECRET_KEY}:{settings.RATE_LIMIT_KEY_PREFIX}".encode()
    return hmac.new(key, f"{name}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


@functools.cache
def _trusted_networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_in(ip: str, networks) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in networks)
