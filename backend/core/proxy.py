"""X-Forwarded-Proto counts only when it comes from a proxy in TRUSTED_PROXIES.

Django's SECURE_PROXY_SSL_HEADER believes the header from any client: a client talking plain
http straight to the server could claim https (and get Secure cookies over http, skip an https
redirect). The header is removed unless the TCP peer (REMOTE_ADDR) is a trusted proxy."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest
from django.utils.decorators import sync_and_async_middleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(entries: list[str] | tuple[str, ...]) -> tuple[list[Network], list[str]]:
    """(networks, invalid entries) of TRUSTED_PROXIES: addresses or CIDR networks."""
    networks, invalid = [], []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            invalid.append(entry)
    return networks, invalid


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_proxies(entries)[0])


def is_trusted_proxy(remote_addr: str | None) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not remote_addr or not networks:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 on a dual-stack socket
    return any(address in network for network in networks)


def _drop_untrusted(request: HttpRequest) -> None:
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    name = header[0] if header else "HTTP_X_FORWARDED_PROTO"
    if name in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
        del request.META[name]


@sync_and_async_middleware
def TrustedProxyHeadersMiddleware(get_response):
    if iscoroutinefunction(get_response):

        async def async_middleware(request):
            _drop_untrusted(request)
            return await get_response(request)

        return async_middleware

    def middleware(request):
        _drop_untrusted(request)
        return get_response(request)

    return middleware
