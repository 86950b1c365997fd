"""Liveness and readiness of a web process, for load balancers and the operator's monitoring.

Liveness asks nothing: the process answers, so it is not hung. Readiness asks whether this
process should get traffic: the database and Redis answer, the Huey consumer is alive (its
heartbeat is recent), the disks have room, no migration is pending, the process is not
draining. A load balancer polls it every few seconds, so the costly checks (the migration
graph, the heartbeat, the disks) are remembered for a few seconds per process; the database,
Redis and draining are asked every time (they are what a balancer must learn at once).

The answer names checks only: no path, address, user or secret."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from . import lifecycle

HEARTBEAT_KEY = "vorzimmer:heartbeat"  # in Huey's own store, shared by every process
MIGRATIONS_CACHE_SECONDS = 30.0  # loading the migration graph reads every migration file
SHORT_CACHE_SECONDS = 3.0

_cache: dict[str, tuple[float, bool]] = {}
_redis_clients: dict[str, Any] = {}
_lock = threading.Lock()


def forget_cached() -> None:
    """Ask everything again at the next readiness check (tests)."""
    _cache.clear()


def _cached(name: str, seconds: float, check: Callable[[], bool]) -> bool:
    now = time.monotonic()
    hit = _cache.get(name)
    if hit and hit[0] > now:
        return hit[1]
    result = check()
    _cache[name] = (now + seconds, result)
    return result


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def redis_ok(url: str) -> bool:
    import redis

    with _lock:  # one client (and connection pool) per URL, not a new connection per poll
        client = _redis_clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            _redis_clients[url] = client
    try:
        return bool(client.ping())
    except Exception:
        return False


def record_heartbeat(now: float | None = None) -> None:
    """Called by the Huey consumer (at start and every minute): it is alive and runs jobs."""
    from huey.contrib.djhuey import HUEY

    HUEY.put(HEARTBEAT_KEY, time.time() if now is None else now)


def heartbeat_age() -> float | None:
    """Seconds since the consumer's last heartbeat; None when there never was one."""
    from huey.contrib.djhuey import HUEY

    beat = HUEY.get(HEARTBEAT_KEY, peek=True)
    return None if beat is None else max(0.0, time.time() - float(beat))


def huey_ok() -> bool:
    from huey.contrib.djhuey import HUEY

    max_age = settings.HEALTH_HUEY_MAX_AGE_SECONDS
    if max_age <= 0 or HUEY.immediate:  # check switched off / jobs run inside the request
        return True
    try:
        age = heartbeat_age()
    except Exception:
        return False
    return age is not None and age <= max_age


def watched_volumes() -> list[Path]:
    """var/ and the backup directory (which may be another volume; it may not exist yet)."""
    backups = Path(getattr(settings, "BACKUP_DIR", None) or settings.VAR_DIR / "backups")
    while not backups.exists() and backups != backups.parent:
        backups = backups.parent
    return [Path(settings.VAR_DIR), backups]


def disk_ok() -> bool:
    minimum = settings.HEALTH_MIN_FREE_DISK_MB * 1024 * 1024
    try:
        return all(shutil.disk_usage(path).free >= minimum for path in watched_volumes())
    except OSError:
        return False


def migrations_ok() -> bool:
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return False


def readiness() -> dict[str, bool]:
    """Every check by name: True when it passes ("draining" passes while it is not)."""
    checks = {"database": database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = redis_ok(settings.REDIS_URL)
    checks["huey"] = _cached("huey", SHORT_CACHE_SECONDS, huey_ok)
    checks["disk"] = _cached("disk", SHORT_CACHE_SECONDS, disk_ok)
    # Only once the database answers: a failed database would be remembered as pending work.
    checks["migrations"] = checks["database"] and _cached(
        "migrations", MIGRATIONS_CACHE_SECONDS, migrations_ok
    )
    checks["draining"] = not lifecycle.is_draining()
    return checks
