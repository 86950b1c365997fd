"""backend.asgi with tests/core/failing_urls.py as its URLs: a production server with views
that fail for real (`manage.py run_web --application tests.core.failing_asgi.application`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.conf import settings

settings.ROOT_URLCONF = "tests.core.failing_urls"

from backend.asgi import application  # noqa: E402

__all__ = ["application"]
