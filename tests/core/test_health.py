"""Liveness and readiness through HTTP: each failing check made to fail for real and named in
the answer (a Redis nobody listens on, a migration recorded as unapplied, a stale Huey
heartbeat, a free-space threshold above the disk's free space, the draining flag)."""

from __future__ import annotations

import shutil
import time
import uuid

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from huey.contrib.djhuey import HUEY

from backend.core import health, lifecycle

ALL = ["database", "huey", "disk", "migrations", "draining"]


@pytest.fixture(autouse=True)
def _nothing_cached(monkeypatch):
    """Every test asks afresh, and under its own heartbeat key (xdist workers share Redis)."""
    monkeypatch.setattr(health, "HEARTBEAT_KEY", f"test-heartbeat-{uuid.uuid4().hex}")
    health.forget_cached()
    yield
    health.forget_cached()


@pytest.fixture
def queued_jobs():
    """Jobs go to the queue as in production (the suite runs them in the request), so the
    readiness check looks for the consumer's heartbeat in Huey's real store."""
    HUEY.immediate = False
    yield HUEY
    HUEY.delete(health.HEARTBEAT_KEY)
    HUEY.immediate = True


def expected(settings, failing=()) -> dict:
    names = ["database", *(["redis"] if settings.REDIS_URL else []), *ALL[1:]]
    return {
        "status": "unavailable" if failing else "ok",
        "failing": list(failing),
        "checks": {name: "failing" if name in failing else "ok" for name in names},
    }


def test_liveness_asks_nothing(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/api/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/health/ready", "/api/health"])
def test_ready_when_everything_answers(client, settings, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == expected(settings)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_not_ready_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.json() == expected(settings, ["redis"])
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_not_ready_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["failing"][0] == "database"


@pytest.mark.django_db
def test_not_ready_while_a_migration_is_pending(client, settings):
    recorder = MigrationRecorder(connection)
    app, name = max(
        (m.app, m.name) for m in recorder.migration_qs.filter(app="core")
    )  # the newest migration of an app, recorded as not applied (rolled back after the test)
    recorder.record_unapplied(app, name)
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.json() == expected(settings, ["migrations"])

    recorder.record_applied(app, name)
    health.forget_cached()
    assert client.get("/api/health/ready").status_code == 200


@pytest.mark.django_db
def test_not_ready_without_a_recent_heartbeat_of_the_huey_consumer(client, settings, queued_jobs):
    settings.HEALTH_HUEY_MAX_AGE_SECONDS = 120
    # No consumer ever started.
    assert client.get("/api/health/ready").json() == expected(settings, ["huey"])

    health.record_heartbeat(now=time.time() - 121)  # the last beat is stale
    health.forget_cached()
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.json() == expected(settings, ["huey"])

    health.record_heartbeat()  # the consumer beats again
    health.forget_cached()
    assert client.get("/api/health/ready").status_code == 200

    # A web process run without jobs may switch the check off.
    health.record_heartbeat(now=time.time() - 3600)
    settings.HEALTH_HUEY_MAX_AGE_SECONDS = 0
    health.forget_cached()
    assert client.get("/api/health/ready").status_code == 200


@pytest.mark.django_db
def test_not_ready_when_a_disk_is_nearly_full(client, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"  # not made yet: its volume is watched
    free_mb = min(shutil.disk_usage(p).free for p in health.watched_volumes()) // 2**20
    settings.HEALTH_MIN_FREE_DISK_MB = free_mb + 1024  # more than there is
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.json() == expected(settings, ["disk"])


@pytest.mark.django_db
def test_not_ready_while_draining(client, settings):
    lifecycle.begin_draining()
    try:
        response = client.get("/api/health/ready")
        live = client.get("/api/health/live")
    finally:
        lifecycle._draining.clear()
    assert response.status_code == 503
    assert response.json() == expected(settings, ["draining"])
    assert live.status_code == 200  # draining is no reason to restart the process


@pytest.mark.django_db
def test_readiness_is_cheap_to_poll(client, django_assert_max_num_queries):
    client.get("/api/health/ready")  # the migration graph and the heartbeat are remembered
    with django_assert_max_num_queries(1):  # SELECT 1
        assert client.get("/api/health/ready").status_code == 200


def test_balancers_may_probe_with_head(client):
    assert client.head("/api/health/live").status_code == 200
