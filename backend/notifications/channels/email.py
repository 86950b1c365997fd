"""E-mail through Django's backend (SMTP from SMTP_*, or the console in the embedded
default)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from ..messages import Email
from . import PermanentError, TransientError
from .base import Message, Recipient


def send_email(to: str, email: Email) -> None:
    message = EmailMultiAlternatives(email.subject, email.text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(email.html, "text/html")
    for filename, content, mimetype in email.attachments:
        message.attach(filename, content, mimetype)
    # The SMTP errors quote the recipient's address: they are not chained (`from None`), so
    # a logged traceback of the job carries no personal data.
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _reply in exc.recipients.values()})
        if all(500 <= code < 600 for code in codes):
            raise PermanentError(f"recipient refused ({codes[0]})") from None
        # 4xx: greylisting, a full mailbox, a busy server; worth another try later
        raise TransientError(f"recipient deferred ({codes[0]})") from None
    except (OSError, smtplib.SMTPException) as exc:
        code = getattr(exc, "smtp_code", None)
        raise TransientError(type(exc).__name__ + (f" ({code})" if code else "")) from None


class EmailChannel:
    name = "email"
    on_request = False
    switched_off = "e-mail is switched off"

    def available(self) -> bool:
        return True  # SMTP, or the console in the embedded default

    def reaches(self, recipient: Recipient) -> bool:
        return bool(recipient.email)

    def send(self, recipient: Recipient, message: Message) -> None:
        assert message.email is not None, f"{message.kind} has no e-mail"
        send_email(recipient.email, message.email())
