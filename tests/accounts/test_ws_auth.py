"""WebSocket authentication and rate limits, on a real uvicorn server with both protocols."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from resolvers.auth.tokens import issue_access_token
from tests.accounts.test_ratelimit import FrozenClock
from tests.events.conftest import (
    LEGACY,
    SUBSCRIPTION,
    TRANSPORT,
    WS,
    Server,
    start_server,
    ws_settings,
)

ME = "query { me { email } }"


@pytest.fixture
async def server(db: None, settings: Any, redis: Any) -> AsyncIterator[Server]:
    started = await start_server(ws_settings(settings))
    yield started
    await started.stop()


@pytest.fixture
async def open_ws() -> AsyncIterator[Any]:
    from websockets.asyncio.client import connect

    opened: list[WS] = []

    async def make(url: str, protocol: str = TRANSPORT, **kwargs: Any) -> WS:
        conn = await connect(url, subprotocols=[protocol], open_timeout=10, **kwargs)  # type: ignore[list-item]
        opened.append(WS(conn))
        return opened[-1]

    yield make
    for ws in opened:
        await ws.close()


async def whoami(ws: WS, op_id: str = "me") -> Any:
    await ws.subscribe(op_id, query=ME)
    message = await ws.recv_data()
    assert message["type"] == "next", message
    assert await ws.recv_data() == {"id": op_id, "type": "complete"}
    return message["payload"]["data"]["me"]["email"]


@pytest.mark.parametrize("entry", ["token", "Authorization", "authorization"])
async def test_connection_init_payload_authenticates(
    server: Server, open_ws: Any, make_user: Any, entry: str
) -> None:
    user, token = await make_user()
    ws = await open_ws(server.url)
    value = token if entry == "token" else f"Bearer {token}"
    await ws.send({"type": "connection_init", "payload": {entry: value}})
    assert await ws.recv() == {"type": "connection_ack"}
    assert await whoami(ws) == user.email


async def test_upgrade_request_header_authenticates(
    server: Server, open_ws: Any, make_user: Any
) -> None:
    user, token = await make_user()
    ws = await open_ws(server.url, additional_headers={"Authorization": f"Bearer {token}"})
    await ws.send({"type": "connection_init", "payload": {}})
    assert await ws.recv() == {"type": "connection_ack"}
    assert await whoami(ws) == user.email


async def test_a_bad_payload_token_is_refused_even_with_a_good_header(
    server: Server, open_ws: Any, make_user: Any
) -> None:
    _, token = await make_user()
    ws = await open_ws(server.url, additional_headers={"Authorization": f"Bearer {token}"})
    await ws.send({"type": "connection_init", "payload": {"token": "forged"}})
    assert await ws.closed() == (4403, "Forbidden")


async def bad_tokens(make_user: Any) -> dict[str, str | None]:
    user, token = await make_user()
    expired, _ = issue_access_token(user, now=time.time() - 3600)
    header, payload, signature = token.split(".")
    return {
        "missing": None,
        "expired": expired,
        "tampered": f"{header}.{payload}x.{signature}",
        "garbage": "not-a-token",
    }


async def test_bad_or_missing_tokens_are_refused_with_4403(
    server: Server, open_ws: Any, make_user: Any
) -> None:
    for name, token in (await bad_tokens(make_user)).items():
        ws = await open_ws(server.url)
        await ws.send({"type": "connection_init", "payload": {"token": token} if token else {}})
        assert await ws.closed() == (4403, "Forbidden"), name


async def test_legacy_protocol_refuses_with_connection_error(
    server: Server, open_ws: Any, make_user: Any
) -> None:
    for name, token in (await bad_tokens(make_user)).items():
        ws = await open_ws(server.url, LEGACY)
        await ws.send({"type": "connection_init", "payload": {"token": token} if token else {}})
        message = await ws.recv()
        assert message["type"] == "connection_error", name
        assert await ws.closed() == (1011, ""), name


async def test_a_token_that_expires_while_open_stops_delivery(
    server: Server, open_ws: Any, make_user: Any, settings: Any
) -> None:
    user, _ = await make_user()
    # Valid for about two more seconds.
    token, expires_at = issue_access_token(
        user, now=time.time() - settings.access_token_ttl_seconds + 2
    )
    ws = await open_ws(server.url)
    assert await ws.init(token) == {"type": "connection_ack"}
    await ws.subscribe("live")
    code, reason = await ws.closed(wait=30)
    assert code == 4401 and "expired" in reason.lower()
    assert time.time() >= expires_at.timestamp()


async def test_ws_operations_over_the_limit_get_an_error_and_the_socket_stays_open(
    server: Server, open_ws: Any, make_user: Any
) -> None:
    clock = FrozenClock()
    server.app.state.rate_limiter.clock = clock
    server.app.state.rate_limiter.per_minute = 2
    user, token = await make_user()
    ws = await open_ws(server.url)
    assert await ws.init(token) == {"type": "connection_ack"}

    assert await whoami(ws, "1") == user.email
    assert await whoami(ws, "2") == user.email
    await ws.subscribe("3", query=ME)
    refused = await ws.recv_data()
    assert refused["type"] == "error" and refused["id"] == "3"
    assert refused["payload"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 30}

    clock.now += 30  # one token back; the same socket carries on
    assert await whoami(ws, "4") == user.email

    legacy = await open_ws(server.url, LEGACY)
    assert await legacy.init(token) == {"type": "connection_ack"}
    await legacy.subscribe("5", query=SUBSCRIPTION)
    message = await legacy.recv_data()
    assert message["type"] == "error" and message["id"] == "5"
    assert message["payload"]["extensions"]["code"] == "RATE_LIMITED"
