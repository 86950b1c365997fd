from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff roles, API tokens and how a request is authenticated."""

    name = "backend.accounts"
    label = "accounts"
