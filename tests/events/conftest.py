"""Live-progress fixtures: real uvicorn servers on 127.0.0.1 in the test loop, a WS client."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from core.config import Settings
from core.embedded import free_port
from core.event_hub import EventHub

TRANSPORT = "graphql-transport-ws"
LEGACY = "graphql-ws"
SUBSCRIPTION = """
subscription PipelineEvents($uploadId: ID) {
  pipelineEvents(uploadId: $uploadId) {
    uploadId stage status progress message clipId exportId at nextAttemptAt seq uploadSeq replay
  }
}
"""


@dataclass
class Server:
    app: Any
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def hub(self) -> EventHub:
        hub: EventHub = self.app.state.event_hub
        return hub

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, timeout=30)


async def start_server(
    settings: Settings, hub: EventHub | None = None, sndbuf: int | None = None
) -> Server:
    """uvicorn on 127.0.0.1 in this loop; `sndbuf` shrinks the accepted sockets' send buffer."""
    from graphql_api.app import create_app

    app = create_app(settings, manage_connections=False)
    if hub is not None:
        app.state.event_hub = hub
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sndbuf:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)  # inherited on accept
    listener.bind(("127.0.0.1", port))
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[listener]))
    for _ in range(1000):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    return Server(app, server, task, port)


def ws_settings(settings: Settings, **overrides: Any) -> Settings:
    # No rate limit: these tests open hundreds of operations as one user (0 turns it off).
    base: dict[str, Any] = {
        "ws_keep_alive_seconds": 0,
        "ws_init_timeout_seconds": 10,
        "rate_limit_per_minute": 0,
    }
    return settings.model_copy(update={**base, **overrides})


@pytest.fixture(scope="session")
async def ws_server(db: None, settings: Settings) -> AsyncIterator[Server]:
    """The shared server: no keep-alive noise, so protocol tests see exact messages."""
    server = await start_server(ws_settings(settings))
    yield server
    await server.stop()


@pytest.fixture
async def server_factory(db: None, settings: Settings) -> AsyncIterator[Any]:
    """Servers with other settings (or hubs), stopped after the test."""
    started: list[Server] = []

    async def make(
        hub: EventHub | None = None, sndbuf: int | None = None, **overrides: Any
    ) -> Server:
        server = await start_server(ws_settings(settings, **overrides), hub, sndbuf)
        started.append(server)
        return server

    yield make
    for server in started:
        if not server.task.done():
            await server.stop()


class WS:
    """A thin GraphQL-over-WebSocket client that sees exact frames and close codes."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.conn.send(message if isinstance(message, str) else json.dumps(message))

    async def recv(self, wait: float = 30) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.conn.recv(), wait)
        data: dict[str, Any] = json.loads(raw)
        return data

    async def recv_data(self, wait: float = 30) -> dict[str, Any]:
        """The next message that is not a keep-alive."""
        while True:
            message = await self.recv(wait)
            if message.get("type") not in ("ka", "ping", "pong"):
                return message

    async def closed(self, wait: float = 30) -> tuple[int, str]:
        """Wait for the server to close; (code, reason). Messages before it are skipped."""
        try:
            while True:
                await asyncio.wait_for(self.conn.recv(), wait)
        except ConnectionClosed as exc:
            assert exc.rcvd is not None, f"no close frame received ({exc})"
            return exc.rcvd.code, exc.rcvd.reason

    async def init(self, token: str | None, *, protocol: str = TRANSPORT) -> dict[str, Any]:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.recv()

    async def subscribe(
        self, op_id: str, variables: dict[str, Any] | None = None, query: str = SUBSCRIPTION
    ) -> None:
        kind = "subscribe" if self.conn.subprotocol == TRANSPORT else "start"
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": kind, "payload": payload})

    async def close(self) -> None:
        await self.conn.close()


WSFactory = Callable[..., Awaitable[WS]]


@pytest.fixture
async def ws_connect() -> AsyncIterator[WSFactory]:
    """Open sockets (closed after the test): `await ws_connect(url, protocol=...)`."""
    opened: list[WS] = []

    async def open_ws(url: str, protocol: str = TRANSPORT, **kwargs: Any) -> WS:
        conn = await connect(
            url, subprotocols=[protocol], compression=None, open_timeout=10, **kwargs
        )  # type: ignore[list-item]
        ws = WS(conn)
        opened.append(ws)
        return ws

    yield open_ws
    for ws in opened:
        await ws.close()


async def make_upload(user: Any, status: str = "TRANSCRIBING") -> Any:
    from orm.models import Upload

    return await Upload.create(
        id=uuid.uuid4(),
        user=user,
        filename="talk.mp4",
        content_type="video/mp4",
        size_bytes=1000,
        storage_key=f"uploads/{uuid.uuid4().hex}.mp4",
        status=status,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


def small_rcvbuf_socket(port: int) -> socket.socket:
    """A connected socket with a tiny receive buffer: a client that stops reading stalls fast."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def until(predicate: Callable[[], Any], what: str, limit: float = 60.0) -> None:
    """Poll a (sync or async) condition; fail with `what` if it never holds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
