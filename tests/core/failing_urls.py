"""The site's URLs plus views that fail the way a bug would (for tests/core/test_logs.py and
the error reports in tests/core/test_error_reports.py)."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from backend.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("a bug in a view")


@csrf_exempt
def broken_quoting_view(request):
    """Fails quoting what it was sent, as many libraries' exceptions do."""
    received = request.body.decode()
    raise RuntimeError(f"cannot handle {received} from {request.GET.urlencode()}")


urlpatterns = [
    path("broken", broken_view),
    path("broken-quoting", broken_quoting_view),
    *site_urlpatterns,
]
