from django.apps import AppConfig


class WebConfig(AppConfig):
    """What the browser gets besides /graphql: the citizens' and staff pages, the embed,
    their languages and CORS/frame rules; and the commands that start the whole system."""

    name = "backend.web"
    label = "web"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from . import metrics
        from .origins import cors_allows

        check_request_enabled.connect(cors_allows, dispatch_uid="vorzimmer-cors")
        metrics.connect()  # domain counters follow the events
