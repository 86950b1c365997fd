"""GET /metrics: the Prometheus text format, for a scraper holding METRICS_TOKEN.

404 while METRICS_TOKEN is unset (the endpoint does not exist); with it, `Authorization:
Bearer <token>` is required: 401 without credentials, 403 with wrong ones (compared in constant
time). The metrics say how busy the offices are, which is nobody else's business.

Counters of bookings and tickets follow the domain events (backend/core/events.py): they cost
no query on the request's path and count each use case once, after it committed. What is a
state rather than an event is read at scrape time: holds live now (there is no hold event, and
the number live is what hoarding shows) and the jobs waiting in Huey's queue."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from backend.bookings.event_types import BookingCancelled, BookingCreated
from backend.bookings.models import Hold
from backend.core import metrics
from backend.core.events import Event, subscribe
from backend.queue.event_types import TicketCalled, TicketCheckedIn, TicketDrawn


def _booking_created(event: Event[BookingCreated]) -> None:
    metrics.BOOKINGS_CREATED.labels(event.facts.source).inc()


def _booking_cancelled(event: Event[BookingCancelled]) -> None:
    metrics.BOOKINGS_CANCELLED.labels(event.facts.by).inc()


def _ticket_drawn(event: Event[TicketDrawn]) -> None:
    metrics.TICKETS_DRAWN.labels("walk_in").inc()


def _ticket_checked_in(event: Event[TicketCheckedIn]) -> None:
    metrics.TICKETS_DRAWN.labels("check_in").inc()


def _ticket_called(event: Event[TicketCalled]) -> None:
    metrics.TICKETS_CALLED.inc()


def connect() -> None:
    subscribe(BookingCreated, _booking_created)
    subscribe(BookingCancelled, _booking_cancelled)
    subscribe(TicketDrawn, _ticket_drawn)
    subscribe(TicketCheckedIn, _ticket_checked_in)
    subscribe(TicketCalled, _ticket_called)


class ScrapeTimeCollector(Collector):
    """States read when Prometheus asks (one indexed query, one queue length)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from huey.contrib.djhuey import HUEY

        yield GaugeMetricFamily(
            "vorzimmer_holds_live",
            "Slot holds not yet expired (booked holds are gone).",
            value=Hold.objects.filter(expires_at__gt=timezone.now()).count(),
        )
        yield GaugeMetricFamily(
            "vorzimmer_huey_pending_jobs",
            "Background jobs waiting in the queue.",
            value=HUEY.pending_count(),
        )


_scrape_time = CollectorRegistry(auto_describe=False)
_scrape_time.register(ScrapeTimeCollector())


def _process_metrics() -> bytes:
    if metrics.MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # sums every process's files
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def authorized(header: str, token: str) -> bool | None:
    """None without bearer credentials, else whether they are the token."""
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    return hmac.compare_digest(given.strip().encode(), token.encode())


@require_GET
def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    verdict = authorized(request.headers.get("Authorization", ""), token)
    if verdict is None:
        return HttpResponse(
            "Bearer token required.\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if not verdict:
        return HttpResponse("Wrong token.\n", status=403, content_type="text/plain")
    body = _process_metrics() + generate_latest(_scrape_time)
    return HttpResponse(
        body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
    )
