"""Prometheus metrics of the process: HTTP requests, WebSockets, GraphQL operations, domain
counters, Huey failures. /metrics (backend/web/metrics.py) exposes them.

Labels never carry a raw path, an operation name or anything a client chose freely: a route is
the URL pattern's name, a GraphQL operation its root field from the schema. So the number of
series stays bounded and no booking code or token lands in a time series.

With several processes per host, PROMETHEUS_MULTIPROC_DIR (read by prometheus_client at
import) makes every process write its values to files in that directory and /metrics sum
them; the directory must be emptied before the processes start
(docs/operations-observability.md)."""

from __future__ import annotations

import atexit
import os

from django.http import HttpRequest, HttpResponseBase
from prometheus_client import Counter, Gauge, Histogram

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

HTTP_REQUESTS = Counter(
    "vorzimmer_http_requests",
    "HTTP requests answered, by method, route (URL pattern name) and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "vorzimmer_http_request_duration_seconds",
    "Time from the request reaching the app to its answer, by method and route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_OPERATIONS = Counter(
    "vorzimmer_graphql_operations",
    "GraphQL operations executed, by operation type and root field.",
    ["type", "field"],
)
WEBSOCKETS_OPEN = Gauge(
    "vorzimmer_websocket_connections_open",
    "WebSocket connections open now (subscriptions: boards, kiosks, consoles).",
    multiprocess_mode="livesum",
)
WEBSOCKETS = Counter("vorzimmer_websocket_connections", "WebSocket connections accepted.")
BOOKINGS_CREATED = Counter(
    "vorzimmer_bookings_created",
    "Bookings made, by source (web, embed, kiosk, staff, api).",
    ["source"],
)
BOOKINGS_CANCELLED = Counter(
    "vorzimmer_bookings_cancelled", "Bookings cancelled, by who cancelled.", ["by"]
)
TICKETS_DRAWN = Counter(
    "vorzimmer_tickets_drawn", "Queue tickets made, by kind (walk_in, check_in).", ["kind"]
)
TICKETS_CALLED = Counter("vorzimmer_tickets_called", "Queue tickets called to a counter.")
HUEY_FAILURES = Counter(
    "vorzimmer_huey_job_failures", "Background jobs that raised, by task name.", ["task"]
)

# The route of a request that matched no URL pattern (a 404); other methods count as OTHER.
UNMATCHED = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


def observe_request(request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    route = route_of(request)
    HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def websocket_opened() -> None:
    WEBSOCKETS.inc()
    WEBSOCKETS_OPEN.inc()


def websocket_closed() -> None:
    WEBSOCKETS_OPEN.dec()


def graphql_operation(operation_type: str, fields: list[str]) -> None:
    for field in fields:
        GRAPHQL_OPERATIONS.labels(operation_type, field).inc()


def huey_job_failed(signal: str, task, exc=None) -> None:
    HUEY_FAILURES.labels(getattr(task, "name", "unknown")).inc()


def connect_huey() -> None:
    """Count failed jobs in whichever process runs them (the consumer, or a request when jobs
    run immediately)."""
    from huey.contrib.djhuey import HUEY
    from huey.signals import SIGNAL_ERROR

    if huey_job_failed not in HUEY._signal.receivers.get(SIGNAL_ERROR, ()):
        HUEY.signal(SIGNAL_ERROR)(huey_job_failed)


def _forget_this_process() -> None:
    """In multiprocess mode a gauge of a process that ended must stop counting (livesum)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(os.getpid())


if MULTIPROCESS:
    atexit.register(_forget_this_process)
