"""Huey jobs of the accounts app: thin, take ids."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .password_reset import send_reset_mail


@db_task(retries=3, retry_delay=60)
def send_password_reset(user_id, language: str) -> bool:
    return send_reset_mail(user_id, language)
