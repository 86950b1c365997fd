from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """What an organization offers: locations, opening hours, services and resources."""

    name = "backend.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from . import versioning

        versioning.connect()
