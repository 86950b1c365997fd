"""What counts as a web origin, and its one spelling.

Browsers send the Origin header (and check CSP frame-ancestors) with the scheme and host in
lower case, an internationalised host in its ASCII (punycode) form and no default port. Admins
type `https://www.Musterhausen.de/` or `https://www.musterhausen.de:443`; both must match, so
every listed origin is stored and compared in the browsers' spelling. Nothing here touches
the database (catalog models validate with it).
"""

from __future__ import annotations

import re

DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme://host[:port] with an optional trailing slash: no user, path, query or fragment.
_ORIGIN = re.compile(r"^(?P<scheme>[A-Za-z]+)://(?P<host>[^/:?#@\s]+)(?::(?P<port>\d{1,5}))?/?$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidOrigin(ValueError):
    """Not scheme://host[:port]."""


def normalize_origin(text: str) -> str:
    """`HTTPS://www.Musterhausen.de:443/` -> `https://www.musterhausen.de`.

    Raises InvalidOrigin for anything but http(s)://host[:port] (a path, a query, a user,
    another scheme, a malformed host or port)."""
    match = _ORIGIN.match(text.strip())
    if not match:
        raise InvalidOrigin(text)
    scheme = match["scheme"].lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidOrigin(text)
    try:
        host = match["host"].encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidOrigin(text) from None
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
        raise InvalidOrigin(text)
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        raise InvalidOrigin(text)
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_or_none(text: str) -> str | None:
    try:
        return normalize_origin(text)
    except InvalidOrigin:
        return None


def origin_lines(text: str) -> tuple[list[str], list[str]]:
    """The normalised origins of a one-per-line list, and the lines that are not origins."""
    origins: list[str] = []
    invalid: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        origin = origin_or_none(line)
        if origin is None:
            invalid.append(line.strip())
        elif origin not in origins:
            origins.append(origin)
    return origins, invalid
