"""ASGI entry point: HTTP through Django (views, middleware, CSRF), WebSockets through
Strawberry's Channels consumer with only the graphql-transport-ws protocol."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.core.asgi import get_asgi_application

django_application = get_asgi_application()  # before importing anything that touches models

from backend.core.access_log import WebSocketAccessLog  # noqa: E402
from backend.core.checks import refuse_unsafe_configuration  # noqa: E402

# daphne runs no system checks: without DEBUG, unsafe settings end the process here.
refuse_unsafe_configuration()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from schema.build import schema  # noqa: E402
from schema.ws import websocket_consumer  # noqa: E402

websocket_urls = [re_path(r"^graphql$", websocket_consumer(schema))]

# Everything loaded so far lives as long as the process: move it out of the collector's
# view, so full collections scan only request garbage (measured: ~100 ms pauses -> < 10 ms).
gc.collect()
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": WebSocketAccessLog(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urls)))
        ),
    }
)
