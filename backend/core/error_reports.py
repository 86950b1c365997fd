"""Optional error reports to Sentry (SENTRY_DSN): server errors, failed jobs and ERROR log
records, with their stack traces, and nothing personal.

Sentry's own switch (send_default_pii=False) still sends request headers, query strings and
exception messages, which here carry names, e-mail addresses, booking codes and tokens (a
library's exception quotes its input). So the report is cut down to what finds the bug: the
exception's type and stack (file, line, function; no local variables), the route and method,
the log message (our log lines hold no personal data), the request id; request bodies, GraphQL
variables, cookies, headers, query strings, user data, extras and breadcrumbs other than log
lines are removed before anything leaves the process (`scrub`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

KEPT_CONTEXTS = frozenset({"runtime", "os", "trace"})
KEPT_REQUEST_FIELDS = frozenset({"method", "url"})


def init(dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.huey import HueyIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,  # frames' variables hold the request and its data
        max_request_body_size="never",
        traces_sample_rate=None,  # errors only; no performance data leaves the server
        # Only these: the auto-enabled ones (Strawberry's, Redis', ...) record documents,
        # commands and URLs as breadcrumbs and context.
        auto_enabling_integrations=False,
        integrations=[DjangoIntegration(), HueyIntegration(), LoggingIntegration()],
        before_send=scrub,  # type: ignore[arg-type]
        before_breadcrumb=keep_breadcrumb,
    )


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def keep_breadcrumb(crumb: dict[str, Any], hint: Any) -> dict[str, Any] | None:
    """Log lines only (their messages are written without personal data), without extras;
    HTTP calls, SQL and the like name addresses, numbers and parameters."""
    if crumb.get("type") != "log" and crumb.get("category") not in (None, "log"):
        return None
    if crumb.get("category", "").startswith(("httplib", "query", "redis", "subprocess")):
        return None
    kept = ("type", "category", "level", "message", "timestamp")
    return {key: crumb[key] for key in kept if key in crumb}


def scrub(event: dict[str, Any], hint: Any) -> dict[str, Any]:
    from .request_id import current

    if rid := current():  # the same id as the request's log lines and response header
        event.setdefault("tags", {})["request_id"] = rid
    request = event.get("request")
    if isinstance(request, dict):
        kept = {key: request[key] for key in KEPT_REQUEST_FIELDS if key in request}
        if "url" in kept:
            kept["url"] = _without_query(str(kept["url"]))
        event["request"] = kept
    for key in ("user", "extra", "modules"):
        event.pop(key, None)
    if isinstance(event.get("contexts"), dict):
        event["contexts"] = {k: v for k, v in event["contexts"].items() if k in KEPT_CONTEXTS}
    for exception in (event.get("exception") or {}).get("values") or []:
        exception.pop("value", None)  # messages quote their input (an address, a name)
        _strip_frames(exception.get("stacktrace"))
    for thread in (event.get("threads") or {}).get("values") or []:
        _strip_frames(thread.get("stacktrace"))
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry.pop("params", None)  # the message as formatted is kept
    crumbs = event.get("breadcrumbs")
    if isinstance(crumbs, dict):
        kept_crumbs = [keep_breadcrumb(crumb, None) for crumb in crumbs.get("values") or []]
        crumbs["values"] = [crumb for crumb in kept_crumbs if crumb]
    return event


def _strip_frames(stacktrace: Any) -> None:
    for frame in (stacktrace or {}).get("frames") or []:
        frame.pop("vars", None)
