import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_is_200_when_the_database_answers(client, settings):
    response = client.get("/api/health")
    checks = {"database": True} | ({"redis": True} if settings.REDIS_URL else {})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": checks}


@pytest.mark.django_db
def test_health_is_503_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": True, "redis": False},
    }


@pytest.mark.django_db
def test_health_is_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False
