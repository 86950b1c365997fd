"""Outbound HTTP to URLs that somebody else chose (Web Push endpoints; webhooks later).

Such a URL can point the server at its own network: a DNS name that resolves to 10.0.0.5 or
169.254.169.254 (the cloud metadata service), a redirect to 127.0.0.1, or a name that
resolves to a public address when checked and to a private one a moment later (DNS
rebinding). So a request goes out only like this:

1. `resolve(url)` checks the URL (scheme, no credentials, a port that is a number), resolves
   its host once and refuses it unless *every* address is public (no private, loopback,
   link-local, shared, reserved, multicast or unspecified range, IPv4-mapped IPv6 included);
2. `pinned_session(destination)` returns a requests session that connects only to those
   checked addresses (the URL keeps its host name, so TLS SNI, the certificate check and the
   Host header stay as they are), never follows a redirect and ignores proxy variables;
   a request to any other host through it is refused.

`allow_private=True` skips only the address rule (development and tests with local fakes).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2048


class BlockedDestination(Exception):
    """The URL is malformed or its host is (or resolves to) an address we never call."""


class UnresolvableHost(Exception):
    """The host name did not resolve (now): worth trying again later."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # lower case, without a trailing dot
    port: int
    addresses: tuple[str, ...]  # every address the host resolved to, all checked


def is_public_address(address: IPv4Address | IPv6Address) -> bool:
    if isinstance(address, IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public_address(mapped)
    return address.is_global and not address.is_multicast


def check_url(url: str, schemes: tuple[str, ...] = ("https",)) -> tuple[str, str, int]:
    """(scheme, host, port) of a well-formed URL with one of `schemes`, else BlockedDestination."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BlockedDestination("malformed URL") from None
    host = (parts.hostname or "").rstrip(".").lower()
    if len(url) > MAX_URL_LENGTH or parts.scheme not in schemes or not host:
        raise BlockedDestination("URL not allowed")
    if parts.username is not None or parts.password is not None:
        raise BlockedDestination("credentials in the URL")
    return parts.scheme, host, port or DEFAULT_PORTS[parts.scheme]


def resolve(
    url: str, *, schemes: tuple[str, ...] = ("https",), allow_private: bool = False
) -> Destination:
    """Check the URL, resolve its host once and check every address it resolved to."""
    scheme, host, port = check_url(url, schemes)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnresolvableHost("host name did not resolve") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).partition("%")[0]  # no IPv6 zone: only global addresses pass
        if not allow_private and not is_public_address(ip_address(text)):
            raise BlockedDestination("host resolves to a non-public address")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise UnresolvableHost("host name has no address")
    return Destination(scheme, host, port, tuple(addresses))


def pinned_session(destination: Destination) -> requests.Session:
    """A session for requests to `destination` only, connected to its checked addresses."""
    session = _NoRedirectSession()
    session.trust_env = False  # an HTTPS_PROXY from the environment would resolve again
    adapter = _PinnedAdapter(destination)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _NoRedirectSession(requests.Session):
    def send(self, request, **kwargs):  # type: ignore[override]
        # A redirect is handed back as the answer: its target was never checked.
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, destination: Destination):
        self.destination = destination
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        addresses = self.destination.addresses
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, HTTPConnection, addresses),
            "https": _pinned_pool(HTTPSConnectionPool, HTTPSConnection, addresses),
        }

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        _scheme, host, port = check_url(request.url or "", (self.destination.scheme,))
        if (host, port) != (self.destination.host, self.destination.port):
            raise BlockedDestination("request to another host than the one checked")
        return super().send(request, *args, **kwargs)


def _pinned_pool(pool_class, connection_class, addresses: tuple[str, ...]):
    """A connection pool whose connections dial `addresses` instead of resolving the host."""

    class PinnedConnection(connection_class):  # type: ignore[misc, valid-type]
        def _new_conn(self) -> socket.socket:
            failure: OSError | None = None
            for address in addresses:
                try:
                    return connection.create_connection(
                        (address, self.port),
                        self.timeout,
                        source_address=self.source_address,
                        socket_options=self.socket_options,
                    )
                except TimeoutError as exc:
                    raise ConnectTimeoutError(self, f"connection timed out ({exc})") from exc
                except OSError as exc:
                    failure = exc
            raise NewConnectionError(self, f"Failed to establish a new connection: {failure}")

    class PinnedPool(pool_class):  # type: ignore[misc, valid-type]
        ConnectionCls = PinnedConnection

    return PinnedPool
