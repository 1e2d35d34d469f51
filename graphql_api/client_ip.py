"""The client's address: the socket peer, or X-Forwarded-For when the peer is a trusted proxy.

Only hops appended by our own proxies are believed: walking X-Forwarded-For from the right,
the first address that is not a trusted proxy is the client. A client behind no proxy cannot
pick its rate-limit bucket by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import MutableMapping
from typing import Any

from core.config import Network, get_settings

CLIENT_IP_KEY = "clipforge.client_ip"  # in scope["state"]: the request's client address


def _trusted(address: str, nets: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_ip(peer: str | None, forwarded_for: str | None) -> str:
    """`peer`: the socket's remote address; `forwarded_for`: the X-Forwarded-For header."""
    if not peer:
        return "unknown"
    nets = get_settings().trusted_proxies
    if not forwarded_for or not _trusted(peer, nets):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if _trusted(hop, nets):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return peer  # garbage where our proxy writes an address: fall back to the proxy
    return hops[0] if hops else peer


def scope_client_ip(scope: MutableMapping[str, Any]) -> str:
    """client_ip() for an ASGI scope (HTTP request or WebSocket upgrade), worked out once per
    request: the rate limiter asks first, the GraphQL context reuses the answer."""
    state = scope.setdefault("state", {})
    found = state.get(CLIENT_IP_KEY)
    if found is None:
        client = scope.get("client")
        peer = client[0] if client else None
        hops = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
        found = state[CLIENT_IP_KEY] = client_ip(peer, ",".join(hops) or None)
    return str(found)
