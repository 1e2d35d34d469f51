"""Each WebSocket follows the credentials it was opened with, for as long as it stays open.

A socket's user used to be fixed at `connection_init`: after logOut, or once its token had
expired, queries, mutations and live events still flowed over it. Now:
- every operation over a socket first checks its credentials again (`check`): an expired
  access token closes the socket with 4401, revoked credentials (session logged out or
  revoked after a refresh token was reused, API key revoked, signing key retired, user gone)
  with 4403;
- a logOut, a reused refresh token, a revoked API key or a retired key closes the affected
  sockets at once, on every api process: the revocation is published on the hub's channel
  (core.revocations) and each process's registry closes its matching sockets (4403);
- a watcher closes a socket whose access token expires (4401), or whose signing key retires
  in the key ring (4403), within `tick` seconds, unless the client sent a fresh token of the
  same user first (`refresh`: a graphql-transport-ws `ping` whose payload carries `token` or
  `authorization`, or a second `connection_init` on legacy graphql-ws).
After a reconnect of the hub (a revocation may have been missed) every socket is checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

from core import revocations
from core.event_hub import EventHub
from graphql_api.auth import authenticate, connection_token
from resolvers.auth.api_keys import looks_like_api_key
from resolvers.auth.keyring import load_ring
from resolvers.auth.tokens import decode_access_token
from resolvers.viewer import Viewer

log = logging.getLogger("clipforge.ws")

CLOSE_EXPIRED = 4401
EXPIRED_REASON = "Access token expired"
CLOSE_REVOKED = 4403
REVOKED_REASON = "Session revoked"
INVALID_TOKEN_REASON = "Invalid token"

Closer = Callable[[int, str], Coroutine[Any, Any, None]]


class SocketSession:
    """The credentials of one socket, and how to close it."""

    def __init__(self, token: str, viewer: Viewer, close: Closer) -> None:
        self.close_socket = close
        self.closed = False
        self.token = token
        self.viewer = viewer
        self.kid: str | None = None
        self.set_credentials(token, viewer)

    def set_credentials(self, token: str, viewer: Viewer) -> None:
        self.token, self.viewer = token, viewer
        claims = None if looks_like_api_key(token) else decode_access_token(token)
        self.kid = claims.kid if claims is not None else None

    @property
    def expires_at(self) -> float | None:
        return self.viewer.token_expires_at

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def matches(self, kind: revocations.Kind, value: str) -> bool:
        viewer = self.viewer
        if kind == "session":
            return viewer.session_id is not None and str(viewer.session_id) == value
        if kind == "api_key":
            return viewer.api_key_id is not None and str(viewer.api_key_id) == value
        return self.kid == value


class SocketSessions:
    """The live sockets of one api process (one registry per event hub)."""

    def __init__(self, hub: EventHub, tick: float = 1.0) -> None:
        self.hub = hub
        self.tick = tick
        self.sockets: set[SocketSession] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        hub.add_control_listener(self.on_control)

    def add(self, session: SocketSession) -> None:
        self.sockets.add(session)
        self.hub.start()  # revocations arrive on the hub's connection
        self._schedule()

    def discard(self, session: SocketSession) -> None:
        self.sockets.discard(session)

    def close(self, session: SocketSession, code: int, reason: str) -> None:
        """Close the socket (once); the protocol handler then ends its operations."""
        if session.closed:
            return
        session.closed = True
        self.sockets.discard(session)
        log.info("closing socket of user %s: %s", session.viewer.user_id, reason)
        self._spawn(session.close_socket(code, reason))

    async def check(self, session: SocketSession) -> bool:
        """Whether the socket's credentials are still good; closes it when they are not."""
        if session.closed:
            return False
        if session.expired(time.time()):
            self.close(session, CLOSE_EXPIRED, EXPIRED_REASON)
            return False
        try:
            found = await authenticate(session.token)
        except Exception:  # noqa: BLE001 - a database outage: the operation reports it
            log.warning("could not check a socket's credentials", exc_info=True)
            return True
        if found is None:
            expired = session.expired(time.time())
            self.close(session, *((CLOSE_EXPIRED, EXPIRED_REASON) if expired else _REVOKED))
            return False
        session.viewer = found.viewer
        return True

    async def refresh(self, session: SocketSession, params: Mapping[str, object]) -> bool:
        """A fresh token of the same user from the client; any other closes the socket."""
        token = connection_token(params)
        found = await authenticate(token) if token else None
        if token is None or found is None or found.viewer.user_id != session.viewer.user_id:
            self.close(session, CLOSE_REVOKED, INVALID_TOKEN_REASON)
            return False
        session.set_credentials(token, found.viewer)
        return True

    # ------------------------------------------------------------ hub messages
    def on_control(self, message: dict[str, Any]) -> None:
        if message.get("connected"):
            if self.sockets:  # revocations published while away were missed
                self._spawn(self._check_all())
            return
        revoked = revocations.decode(message)
        if revoked is None:
            return
        kind, value = revoked
        for session in list(self.sockets):
            if session.matches(kind, value):
                self.close(session, CLOSE_REVOKED, REVOKED_REASON)

    async def _check_all(self) -> None:
        for session in list(self.sockets):
            await self.check(session)

    # ---------------------------------------------------------------- watcher
    def set_tick(self, seconds: float) -> None:
        """Sweep every `seconds` from now on (the next sweep too)."""
        self.tick = seconds
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._schedule()

    def _schedule(self) -> None:
        """The next sweep in `tick` seconds, while sockets are open (a timer, not a task:
        nothing is left running once the last socket closes)."""
        loop = asyncio.get_running_loop()
        if self._timer is not None and self._timer_loop is loop:
            return
        if self.sockets:
            self._timer, self._timer_loop = loop.call_later(self.tick, self._sweep), loop

    def _sweep(self) -> None:
        """Close sockets whose access token expired or whose signing key retired."""
        self._timer = None
        now = time.time()
        ring = load_ring()
        moment = datetime.fromtimestamp(now, UTC)
        for session in list(self.sockets):
            if session.expired(now):
                self.close(session, CLOSE_EXPIRED, EXPIRED_REASON)
            elif session.kid is not None and ring.verifier(session.kid, moment) is None:
                self.close(session, CLOSE_REVOKED, REVOKED_REASON)
        self._schedule()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


_REVOKED = (CLOSE_REVOKED, REVOKED_REASON)
_registries: weakref.WeakKeyDictionary[EventHub, SocketSessions] = weakref.WeakKeyDictionary()


def sessions_for(hub: EventHub) -> SocketSessions:
    """The registry of the process's hub (made on first use)."""
    registry = _registries.get(hub)
    if registry is None:
        registry = _registries[hub] = SocketSessions(hub)
    return registry


async def close_quietly(close: Callable[..., Awaitable[None]], code: int, reason: str) -> None:
    """Close a socket, never waiting forever nor raising (it may be gone already)."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(close(code=code, reason=reason), timeout=10)
