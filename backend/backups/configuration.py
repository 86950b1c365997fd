"""The configuration an operator rebuilds a server from, without its secrets.

Only plain values (text, numbers, flags, lists of text) of upper-case settings, and never a
setting whose name says it is secret or holds credentials: the archive may be opened by
whoever has the backup key, and keys, passwords and tokens belong in the operator's own
safe, not in every nightly file. URLs lose any user:password part."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

SECRET_NAME = re.compile(
    r"KEY|SECRET|PASS|TOKEN|DSN|PRIVATE|CREDENTIAL|DATABASE|PIN$|SIGNING|AUTH", re.IGNORECASE
)


def _without_credentials(value: str) -> str:
    if "://" not in value or "@" not in value:
        return value
    parts = urlsplit(value)
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


def _plain(value):
    if isinstance(value, bool | int | float) or value is None:
        return value, True
    if isinstance(value, str):
        return _without_credentials(str(value)), True
    if isinstance(value, Path):
        return str(value), True
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [_without_credentials(str(v)) for v in value], True
    return None, False


def public_configuration() -> dict:
    found = {}
    for name in sorted(dir(settings)):
        if not name.isupper() or SECRET_NAME.search(name):
            continue
        value, ok = _plain(getattr(settings, name))
        if ok:
            found[name] = value
    return found
