"""Credentials revoked now: told to every api process, so their open sockets close at once.

A logOut, a reused refresh token (its whole session), a revoked API key or a retired signing
key is published on the event hub's own channel (core.event_hub.HUB_CHANNEL, which every api
process already listens on). Each process closes the sockets authenticated with what was
revoked (graphql_api.events.socket_sessions). Publishing never raises: the revocation itself
is already in PostgreSQL, Redis or the key ring, and every operation over a socket checks
its credentials again anyway.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from redis.asyncio import Redis

from core.event_hub import HUB_CHANNEL
from core.redis import get_redis

log = logging.getLogger("clipforge.auth")

Kind = Literal["session", "api_key", "kid"]
KINDS: tuple[Kind, ...] = ("session", "api_key", "kid")


def encode(kind: Kind, value: str) -> bytes:
    return json.dumps({"revoked": {kind: value}}).encode()


def decode(message: dict[str, Any]) -> tuple[Kind, str] | None:
    """(kind, value) of a hub control message that is a revocation, else None."""
    revoked = message.get("revoked")
    if not isinstance(revoked, dict) or len(revoked) != 1:
        return None
    ((kind, value),) = revoked.items()
    for known in KINDS:
        if kind == known and isinstance(value, str):
            return known, value
    return None


async def publish(kind: Kind, value: object, client: Redis | None = None) -> bool:
    """Tell every api process; False (logged) when Redis could not be reached."""
    try:
        await (client or get_redis()).publish(HUB_CHANNEL, encode(kind, str(value)))
    except Exception:  # noqa: BLE001 - the sockets' own checks still catch it
        log.warning("could not publish the revocation of %s %s", kind, value, exc_info=True)
        return False
    return True
