"""WebSocket protocol handlers: Strawberry's, plus keep-alive pings and connection metrics.

graphql-transport-ws has no server keep-alive of its own: after `connection_ack` the server
sends `{"type": "ping"}` every `keep_alive_interval` seconds (clients answer `pong`, which
graphql-ws does by itself). Legacy graphql-ws uses Strawberry's `ka` messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from graphql_api.context import Context

log = logging.getLogger("clipforge.ws")


def _metric(kind: type[Any], name: str, doc: str) -> Any:
    """Get-or-create, so another module registering the same name never clashes."""
    try:
        return kind(name, doc)
    except ValueError:
        return REGISTRY._names_to_collectors[name]  # noqa: SLF001


WS_CONNECTIONS: Gauge = _metric(Gauge, "clipforge_ws_connections", "Open GraphQL WebSockets.")
WS_EVENTS_SENT: Counter = _metric(
    Counter, "clipforge_ws_events_sent_total", "Pipeline events sent to WebSocket subscribers."
)


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
