"""With an https PUBLIC_BASE_URL: Secure cookies and HSTS; X-Forwarded-Proto counts only from
a proxy in TRUSTED_PROXIES (a client talking to the server directly cannot claim https)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "TRUSTED_PROXIES",
]


def settings_for(tmp_path: Path, names: list[str] = SETTINGS, **env: str) -> dict:
    """The settings a fresh process derives from env (DEBUG off unless env says so)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PUBLIC_", "TRUSTED_", "SECURE_", "DEBUG", "EMAIL_", "SMTP_"))
    }
    script = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env={**base, "VORZIMMER_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_an_https_address_turns_on_secure_cookies_and_hsts(tmp_path):
    assert settings_for(
        tmp_path,
        PUBLIC_BASE_URL="https://termine.musterhausen.example",
        TRUSTED_PROXIES="127.0.0.1, 10.1.0.0/16",
    ) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "TRUSTED_PROXIES": ["127.0.0.1", "10.1.0.0/16"],
    }
    # An intranet installation on plain http: no Secure cookies (they would never be sent
    # back), no HSTS, and no proxy header believed from anybody.
    assert settings_for(tmp_path, PUBLIC_BASE_URL="http://termine.intranet") == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "TRUSTED_PROXIES": [],
    }


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.9.8.0/24", "fd00::1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    return settings


@pytest.mark.parametrize(
    ("peer", "hsts"),
    [
        ("10.9.8.7", "max-age=3600"),  # the proxy
        ("::ffff:10.9.8.7", "max-age=3600"),  # the proxy on a dual-stack socket
        ("fd00::1", "max-age=3600"),
        ("10.9.9.7", None),  # anybody else
        ("203.0.113.5", None),
        ("fd00::2", None),
    ],
)
@pytest.mark.django_db
def test_only_a_trusted_proxy_may_say_https(behind_proxy, peer, hsts):
    response = Client(REMOTE_ADDR=peer).get("/api/health", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.headers.get("Strict-Transport-Security") == hsts


@pytest.mark.django_db
def test_without_trusted_proxies_nobody_may_say_https(behind_proxy):
    behind_proxy.TRUSTED_PROXIES = []
    response = Client(REMOTE_ADDR="127.0.0.1").get("/api/health", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response.headers
