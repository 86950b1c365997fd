from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff roles, API tokens and how a request is authenticated."""

    name = "backend.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import idle  # noqa: F401  (connects the sign-in signal that starts the clock)
        from .socket_sessions import connect_signals

        connect_signals()
