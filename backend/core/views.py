"""Health endpoints (backend/core/health.py): liveness, readiness, and /api/health, the older
name of readiness."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from . import health

NO_STORE = {"Cache-Control": "no-store"}


@require_safe  # GET and HEAD: some balancers probe with HEAD
def live(request):
    """200 while the process serves requests; asks no database, no Redis."""
    return JsonResponse({"status": "ok"}, headers=NO_STORE)


@require_safe  # GET and HEAD: some balancers probe with HEAD
def ready(request):
    """200 when every check passes, else 503 naming the failing checks."""
    checks = health.readiness()
    failing = [name for name, passed in checks.items() if not passed]
    return JsonResponse(
        {
            "status": "unavailable" if failing else "ok",
            "failing": failing,
            "checks": {name: "ok" if passed else "failing" for name, passed in checks.items()},
        },
        status=503 if failing else 200,
        headers=NO_STORE,
    )
