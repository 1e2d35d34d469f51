"""Throttling of failed sign-ins, per account and per client address, counted in Redis.

Passwords are guessable where tokens are not: after `login_max_failures` wrong passwords for
one email (or `login_max_failures_per_address` from one address) within
`login_lockout_seconds`, logIn answers TOO_MANY_ATTEMPTS with the seconds left, before any
password is checked, even a right one. A success clears the account's count, never the
address's (else an attacker would interleave sign-ins to an account of their own). Unknown
emails count like known ones, so the answer says nothing about which accounts exist. Every
api replica shares the counts; with Redis away, sign-ins are not throttled (logged).
"""

from __future__ import annotations

import hashlib
import logging
import math

from core.config import get_settings
from core.errors import Throttled
from core.redis import get_redis

log = logging.getLogger("clipforge.auth")

CODE = "TOO_MANY_ATTEMPTS"
_PREFIX = "auth:login-failures:"


class TooManyAttempts(Throttled):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            CODE,
            f"Too many failed sign-ins: try again in {retry_after} s.",
            retry_after,
        )


def _keys(email: str, address: str | None) -> list[tuple[str, int]]:
    """(key, limit) of each count that applies; a limit of 0 turns that count off."""
    settings = get_settings()
    account = hashlib.sha256(email.encode()).hexdigest()
    keys = [(f"{_PREFIX}account:{account}", settings.login_max_failures)]
    if address:
        keys.append((f"{_PREFIX}address:{address}", settings.login_max_failures_per_address))
    return [(key, limit) for key, limit in keys if limit > 0]


async def check(email: str, address: str | None) -> None:
    """Raise TooManyAttempts when the account or the address used up its failures."""
    keys = _keys(email, address)
    if not keys:
        return
    try:
        counts = await get_redis().mget([key for key, _ in keys])
        over = [key for (key, limit), n in zip(keys, counts, strict=True) if int(n or 0) >= limit]
        if not over:
            return
        waits = [await get_redis().pttl(key) for key in over]
    except Exception:  # noqa: BLE001 - never lock everyone out because Redis is away
        log.warning("sign-in throttle unavailable; not throttling", exc_info=True)
        return
    lockout = get_settings().login_lockout_seconds
    retry = max((math.ceil(ms / 1000) if ms > 0 else lockout) for ms in waits)
    raise TooManyAttempts(max(1, retry))


async def failed(email: str, address: str | None) -> None:
    """Count a wrong password against the account and the address (window: the first one)."""
    keys = _keys(email, address)
    if not keys:
        return
    ttl = get_settings().login_lockout_seconds
    try:
        async with get_redis().pipeline(transaction=True) as pipe:
            for key, _ in keys:
                pipe.set(key, 0, ex=ttl, nx=True)
                pipe.incr(key)
            await pipe.execute()
    except Exception:  # noqa: BLE001
        log.warning("could not count a failed sign-in", exc_info=True)


async def succeeded(email: str) -> None:
    """A right password clears the account's count (not the address's)."""
    keys = _keys(email, None)
    if not keys:
        return
    try:
        await get_redis().delete(*(key for key, _ in keys))
    except Exception:  # noqa: BLE001
        log.warning("could not clear the sign-in count", exc_info=True)
