"""The console e-mail backend for production without SMTP (EMAIL_BACKEND=console).

Django's console backend prints whole messages: manage links with their tokens, names and
addresses end up in the process log. This one prints that a message was not sent, to whom
(masked), its subject and its sizes: enough to see that mail would go out, nothing to act on."""

from __future__ import annotations

from email.utils import parseaddr

from django.core.mail.backends.console import EmailBackend


def mask_address(address: str) -> str:
    """'Anna <anna.schmidt@example.org>' -> 'a***@e***.org' (no name, no full domain)."""
    addr = parseaddr(address)[1]
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        return "***"
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***.{tld}" if dot and host else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


class RedactingConsoleBackend(EmailBackend):
    """One line per message on stdout; bodies, links and attachments never leave memory."""

    def write_message(self, message) -> None:
        recipients = ", ".join(mask_address(r) for r in message.recipients()) or "nobody"
        text = len(message.body.encode())
        alternatives = getattr(message, "alternatives", None) or []
        alternative_bytes = sum(len(str(content).encode()) for content, *_ in alternatives)
        self.stream.write(
            f"E-mail not sent (EMAIL_BACKEND=console) to {recipients}: "
            f"subject {message.subject!r}, text {text} bytes, "
            f"{len(alternatives)} alternative(s) {alternative_bytes} bytes, "
            f"{len(message.attachments)} attachment(s)\n"
        )
