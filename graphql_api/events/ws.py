"""WebSocket protocol handlers: Strawberry's, plus keep-alive pings and connection metrics.

graphql-transport-ws has no server keep-alive of its own: after `connection_ack` the server
sends `{"type": "ping"}` every `keep_alive_interval` seconds (clients answer `pong`, which
graphql-ws does by itself). Legacy graphql-ws uses Strawberry's `ka` messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from core.metrics import WS_CONNECTIONS
from graphql_api.context import Context

log = logging.getLogger("clipforge.ws")


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws (Apollo's GraphQLWsLink): server pings after the ack."""

    keep_alive_interval: float | None = None
    _ping_task: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        WS_CONNECTIONS.inc()
        try:
            await super().handle()
        finally:
            WS_CONNECTIONS.dec()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        interval = self.keep_alive_interval
        if self.connection_acknowledged and interval and self._ping_task is None:
            self._ping_task = asyncio.create_task(self._ping_loop(interval))

    async def _ping_loop(self, interval: float) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(interval)
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self._ping_task is not None:
            self._ping_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ping_task
        await super().shutdown()


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """Legacy graphql-ws (subscriptions-transport-ws): Strawberry's `ka` keep-alive."""

    async def handle(self) -> None:
        WS_CONNECTIONS.inc()
        try:
            await super().handle()
        finally:
            WS_CONNECTIONS.dec()


def transport_handler(keep_alive_seconds: float | None) -> type[TransportWSHandler]:
    """The handler class with this app's ping interval."""
    return type(
        "ClipforgeTransportWSHandler",
        (TransportWSHandler,),
        {"keep_alive_interval": keep_alive_seconds},
    )
