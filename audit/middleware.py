"""The client's address, decided once for the trail, the public rate limit and django-axes.

``X-Forwarded-For`` is a list that anyone can start: a client sends whatever it likes, and each
proxy *appends* the address it received the request from. Only the entries added by proxies we
run can be believed, so the client is the right-most address that is not one of our proxies.
With no proxy configured (``FUNDADMIN_TRUSTED_PROXIES``, default none) the header is ignored and
the client is the connection's own address, REMOTE_ADDR.

The setting is either a count (``1``: one proxy in front, whatever its address) or a list of
addresses and networks (``127.0.0.1``, ``10.0.0.0/8``). A count trusts the last N hops without
looking at them, so it is only right when every request passes through exactly those N proxies;
addresses are the safer form because a request that reaches gunicorn directly keeps its own
REMOTE_ADDR.

Whatever is returned is a normalised IP address or None: a malformed value is never stored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

from .context import client_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(value: str | None) -> str | None:
    """A normalised IP address, or None for anything else (ports, names, garbage)."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _trusted(setting: tuple[str, ...] | int | None) -> int | tuple[Network, ...]:
    if setting is None or setting == ():
        return 0
    if isinstance(setting, int):
        return setting
    return tuple(ipaddress.ip_network(item, strict=False) for item in setting)


def trusted_proxies() -> int | tuple[Network, ...]:
    """0 (no proxy), a count of proxies, or the proxies' networks (see the module docstring)."""
    value = getattr(settings, "FUNDADMIN_TRUSTED_PROXIES", None)
    if isinstance(value, list):
        value = tuple(value)
    return _trusted(value)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def get_client_address(request) -> str | None:
    """The client's address as our own proxies saw it (see the module docstring)."""
    remote = parse_address(request.META.get("REMOTE_ADDR"))
    trusted = trusted_proxies()
    if not trusted or remote is None:
        return remote
    forwarded = [item.strip() for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if item.strip()]
    hops = [*forwarded, remote]  # oldest first; REMOTE_ADDR is the last hop
    if isinstance(trusted, int):
        # The last `trusted` hops are our proxies; the one before them is the client. A shorter
        # chain means the request did not come through all of them: the left-most hop is then
        # the nearest thing to the client that a proxy (not the client) wrote.
        candidate = hops[-(trusted + 1)] if len(hops) > trusted else hops[0]
        return parse_address(candidate)
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Our proxies only ever append well-formed addresses; anything else was written by
            # the client and is not an address we can record.
            return None
        if not _is_trusted(address, trusted):
            return address
    # Every hop is one of our proxies (a health check from the proxy host itself).
    return parse_address(hops[0])


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(get_client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
