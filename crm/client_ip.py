"""The client's address, as far as we can know it: the one helper behind the login lockout, the API throttles
and the public form's limiter.

`X-Forwarded-For` is a list of hops, each appended by the proxy that received the request from the hop before.
Only the hops appended by our own proxies can be believed; everything to their left was written by the client.
So the header is read from the right:

- `TRUSTED_PROXY_NETWORKS` (CIDRs) set: starting from `REMOTE_ADDR`, skip every hop inside those networks; the
  first hop outside them is the client. A peer outside them is itself the client, whatever the header says.
- otherwise `TRUSTED_PROXY_COUNT` = n > 0: the n-th hop from the right (each of our n proxies appended one).
  A request with fewer hops did not come through our proxies: its peer address is used.
- otherwise (the default, 0): `REMOTE_ADDR` only; the header is ignored.

A hop that is not an IP address is never used (the peer address is, as the nearest one we can trust)."""

import ipaddress
from functools import lru_cache

from django.conf import settings

UNKNOWN = "0.0.0.0"  # noqa: S104 - a placeholder key for a request without a peer address, never bound


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _hops(request) -> list[str]:
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [hop.strip() for hop in header.split(",") if hop.strip()]


def client_ip(request) -> str:
    """The address of whoever sent `request`, never one a client wrote itself (see the module docstring)."""
    peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return UNKNOWN
    networks = _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    if networks:
        nearest = peer
        if not any(nearest in net for net in networks):
            return str(nearest)
        for hop in reversed(_hops(request)):
            address = _parse(hop)
            if address is None:
                break
            nearest = address
            if not any(address in net for net in networks):
                break
        return str(nearest)
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = _hops(request)
        if len(hops) >= count:
            address = _parse(hops[-count])
            if address is not None:
                return str(address)
    return str(peer)
