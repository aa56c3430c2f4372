"""Where a request came from: the peer, or the client a trusted proxy names (SECURITY.md 23).

`X-Forwarded-For` is believed only when the connection comes from one of the proxies listed in
the `TRUSTED_PROXIES` setting (addresses or CIDR networks, from the environment). From any other
peer the header is ignored, so nobody can write an address of their choosing into the audit
trail. Parsing is django-ipware's (python-ipware underneath): ports, brackets, IPv4-mapped IPv6
and junk are handled there, and only a valid address is ever returned.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from ipware import get_client_ip
from python_ipware.modern.parsers import split_proxy_chain

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    """TRUSTED_PROXIES as networks; a bad entry stops start-up rather than trusting too much."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str | None:
    """The client's address as a valid IP string, or None when there is none."""
    if request is None:
        return None
    # The socket peer, validated by ipware (it returns None for anything that is not an address).
    peer, _routable = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    if peer is None:
        return None
    peer_address = ipaddress.ip_address(peer)
    if not _is_trusted(peer_address):
        return str(peer_address)
    # The peer is our own proxy: walk its X-Forwarded-For from the right, past our other proxies.
    # Each proxy appends the address it saw, so the right-most untrusted entry is the one no
    # client could have forged. A chain with any malformed entry is ignored whole (strict).
    chain = split_proxy_chain(request.META.get("HTTP_X_FORWARDED_FOR", ""), strict=True) or []
    for hop in reversed(chain):
        if not _is_trusted(hop):
            return str(hop)
    return str(chain[0]) if chain else str(peer_address)
