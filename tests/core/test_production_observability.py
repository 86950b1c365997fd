"""What an operator's tools read from a production server process: JSON log lines that carry
the request id of the response, and /metrics summed over several processes of one host."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.commands.test_serve import ROOT, free_port, get, production_env
from tests.core.production_server import RUN_WEB, migrate, running
from tests.metrics_scrape import TOKEN

NO_WORKER = {"HEALTH_HUEY_MAX_AGE_SECONDS": "0"}  # no Huey consumer runs beside these


def test_a_production_server_writes_one_json_object_per_line(tmp_path):
    var_dir = tmp_path / "var"
    migrate(var_dir)
    # run_web itself: `serve` also prints its system checks' warnings, which are no log.
    with running(RUN_WEB, var_dir, "web", LOG_FORMAT="json", **NO_WORKER) as server:
        missing = get(server.port, "/no-such-page?email=canary.json@example.org")
        live = get(server.port, "/api/health/live")
        assert server.stop() == 0
    assert missing.status == 404
    lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    assert lines, "the server wrote no log line"
    assert {tuple(sorted(line)) for line in lines} <= {
        ("level", "logger", "message", "request_id", "time"),
        ("exc", "level", "logger", "message", "request_id", "time"),
    }
    access = {line["request_id"]: line for line in lines if line["logger"] == "backend.access"}
    for answer, request in [(missing, "GET /no-such-page 404"), (live, "GET /api/health/live 200")]:
        [request_id] = [v for k, v in answer.headers.items() if k.lower() == "x-request-id"]
        line = access[request_id]
        assert line["message"].startswith(request + " ") and line["level"] == "INFO"
        assert line["time"].endswith("+00:00")
    assert "canary" not in server.log()


def scrape(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_of_several_processes_add_up(tmp_path):
    var_dir = tmp_path / "var"
    shared = tmp_path / "prometheus"
    shared.mkdir()  # empty at start, as the deployment's start script makes it
    env = {**NO_WORKER, "METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    migrate(var_dir)
    with (
        running(RUN_WEB, var_dir, "one", **env) as one,
        running(RUN_WEB, var_dir, "two", **env) as two,
    ):
        for port, times in [(one.port, 3), (two.port, 2)]:
            for _ in range(times):
                assert get(port, "/api/health/live").status == 200
        labels = frozenset({"method": "GET", "route": "health-live", "status": "200"}.items())
        from_one, from_two = scrape(one.port), scrape(two.port)
    key = ("vorzimmer_http_requests_total", labels)
    assert from_one[key] == from_two[key] == 5  # either process answers for both


def test_readiness_waits_for_the_huey_consumers_heartbeat(tmp_path):
    """A web process without a running consumer is not ready (huey named); once the consumer
    starts, its first heartbeat makes it ready."""
    var_dir = tmp_path / "var"
    migrate(var_dir)
    port = free_port()
    with (
        (tmp_path / "web.err").open("wb") as log,
        subprocess.Popen(
            [part.format(port=port) for part in RUN_WEB],
            cwd=ROOT,
            env=production_env(var_dir, HEALTH_HUEY_MAX_AGE_SECONDS="120"),
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as web,
    ):
        try:
            first = wait_for(lambda: ready_state(port), lambda state: state is not None)
            assert first == (503, ["huey"])
            with subprocess.Popen(
                [sys.executable, "manage.py", "run_huey"],
                cwd=ROOT,
                env=production_env(var_dir),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ) as consumer:
                try:
                    ready = wait_for(lambda: ready_state(port), lambda s: s and s[0] == 200)
                    assert ready == (200, [])
                finally:
                    consumer.terminate()
        finally:
            web.terminate()


def ready_state(port: int) -> tuple[int, list[str]] | None:
    try:
        request = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/ready", timeout=10)
        with request as response:
            return response.status, json.loads(response.read())["failing"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())["failing"]
    except OSError:
        return None  # not listening yet


def wait_for(probe, done, timeout: float = 180.0):
    """Polls `probe` until `done(result)`, within a generous deadline (busy machines)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if done(result):
            return result
        assert time.monotonic() < deadline, f"still {result!r}"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        (
            "PROMETHEUS_MULTIPROC_DIR",
            "{tmp}/no-such-dir",
            "PROMETHEUS_MULTIPROC_DIR '{tmp}/no-such-dir' is no directory: create it (empty) "
            "before the processes start.",
        ),
        ("LOG_FORMAT", "xml", "LOG_FORMAT 'xml' is unknown: use text or json."),
    ],
)
def test_a_bad_setting_stops_the_start_with_a_clear_error(tmp_path, setting, value, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(tmp_path / "var", **{setting: value.format(tmp=tmp_path)}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: " + message.format(tmp=tmp_path)
    )
