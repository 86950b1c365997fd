from django.apps import AppConfig


class QueueConfig(AppConfig):
    """The office floor: service points, walk-in and checked-in tickets, devices."""

    name = "backend.queue"
    label = "queue"
    verbose_name = "Queue"
