"""WebSocket protocol handlers: Strawberry's, plus keep-alive pings, connection metrics and a
session that follows the socket's credentials (socket_sessions).

graphql-transport-ws has no server keep-alive of its own: after `connection_ack` the server
sends `{"type": "ping"}` every `keep_alive_interval` seconds (clients answer `pong`, which
graphql-ws does by itself). Legacy graphql-ws uses Strawberry's `ka` messages.

Credentials: every operation (`subscribe`, `start`) is checked first; a fresh token of the
same user replaces the socket's one when it comes in a graphql-transport-ws `ping` payload
(`{"type": "ping", "payload": {"token": "<access token>"}}`, the protocol lets pings carry
a payload) or, on legacy graphql-ws, in a second `connection_init` (answered `connection_ack`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    PingMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from core.metrics import WS_CONNECTIONS
from graphql_api.auth import socket_token
from graphql_api.context import Context
from graphql_api.events.hub import hub_for
from graphql_api.events.socket_sessions import SocketSession, close_quietly, sessions_for

log = logging.getLogger("clipforge.ws")


class SocketGuard:
    """What a protocol handler does with its socket's session (one per socket)."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.session: SocketSession | None = None

    @property
    def context(self) -> Context:
        context: Context = self.handler.context
        return context

    def opened(self) -> None:
        """After `connection_ack`: register the socket under its credentials."""
        context = self.context
        scope = getattr(context.request, "scope", {})
        token = socket_token(context.connection_params or {}, scope)
        if token is None or context.viewer is None or self.session is not None:
            return
        self.session = SocketSession(token, context.viewer, self._close)
        sessions_for(hub_for(context.request)).add(self.session)

    async def _close(self, code: int, reason: str) -> None:
        await close_quietly(self.handler.websocket.close, code, reason)

    async def allow(self) -> bool:
        """Before an operation: the credentials are still good (else the socket closes)."""
        if self.session is None:
            return True  # not acknowledged: the protocol refuses the operation itself
        if not await sessions_for(hub_for(self.context.request)).check(self.session):
            return False
        self.context.viewer = self.session.viewer
        return True

    async def refresh(self, params: dict[str, Any]) -> bool:
        """A fresh token from the client (False: the socket is being closed)."""
        if self.session is None:
            return True
        registry = sessions_for(hub_for(self.context.request))
        if not await registry.refresh(self.session, params):
            return False
        self.context.viewer = self.session.viewer
        self.context.connection_params = params
        return True

    def closed(self) -> None:
        if self.session is not None:
            sessions_for(hub_for(self.context.request)).discard(self.session)


def _carries_token(payload: Any) -> bool:
    return isinstance(payload, dict) and any(
        key.lower() in {"token", "authorization"} for key in payload
    )


class Guarded:
    """The socket's SocketGuard, made on first use (both protocol handlers have one)."""

    _guard: SocketGuard | None = None

    @property
    def guard(self) -> SocketGuard:
        if self._guard is None:
            self._guard = SocketGuard(self)
        return self._guard


class TransportWSHandler(Guarded, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws (Apollo's GraphQLWsLink): server pings after the ack."""

    keep_alive_interval: float | None = None
    _ping_task: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        with WS_CONNECTIONS.track_inprogress():
            await super().handle()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        acknowledged = self.connection_acknowledged
        await super().handle_connection_init(message)
        if self.connection_acknowledged and not acknowledged:
            self.guard.opened()
        interval = self.keep_alive_interval
        if self.connection_acknowledged and interval and self._ping_task is None:
            self._ping_task = asyncio.create_task(self._ping_loop(interval))

    async def handle_ping(self, message: PingMessage) -> None:
        payload = message.get("payload")
        if self.connection_acknowledged and _carries_token(payload):
            assert isinstance(payload, dict)
            if not await self.guard.refresh(payload):
                return
        await super().handle_ping(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        fresh = self.connection_acknowledged and message["id"] not in self.operations
        if fresh and not await self.guard.allow():
            return
        await super().handle_subscribe(message)

    async def _ping_loop(self, interval: float) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(interval)
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        self.guard.closed()
        if self._ping_task is not None:
            self._ping_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ping_task
        await super().shutdown()


class LegacyWSHandler(Guarded, BaseGraphQLWSHandler[Context, None]):
    """Legacy graphql-ws (subscriptions-transport-ws): Strawberry's `ka` keep-alive; a second
    `connection_init` carries a fresh token."""

    async def handle(self) -> None:
        with WS_CONNECTIONS.track_inprogress():
            await super().handle()

    async def handle_connection_init(self, message: LegacyInitMessage) -> None:
        if self.connection_acknowledged:
            payload = message.get("payload")
            if await self.guard.refresh(payload if isinstance(payload, dict) else {}):
                await self.send_message({"type": "connection_ack"})
            return
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self.guard.opened()

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged and not await self.guard.allow():
            return
        await super().handle_start(message)

    async def cleanup(self) -> None:
        self.guard.closed()
        await super().cleanup()


def transport_handler(keep_alive_seconds: float | None) -> type[TransportWSHandler]:
    """The handler class with this app's ping interval."""
    return type(
        "ClipforgeTransportWSHandler",
        (TransportWSHandler,),
        {"keep_alive_interval": keep_alive_seconds},
    )
