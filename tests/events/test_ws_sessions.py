"""WebSocket sessions follow the session (issue 15, finding 2): every operation over a socket
checks its credentials again; logOut, a reused refresh token, a revoked API key and a retired
signing key close the affected sockets at once (4403), on every api process; an access token
that expires closes its socket (4401) unless the client sent a fresh one first (a `ping`
payload on graphql-transport-ws, a second `connection_init` on graphql-ws)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from resolvers.accounts import start_session
from resolvers.auth.tokens import decode_access_token, issue_access_token
from tests.accounts.conftest import key_ring  # noqa: F401 - the fixture
from tests.accounts.test_api_keys import create_key
from tests.events.conftest import LEGACY, TRANSPORT, WS, Server, WSFactory, make_upload, until

ME = "query { me { email } }"
LOG_OUT = "mutation { logOut { ok errors { code } } }"
REFRESH = """mutation($t: String!) {
  refreshSession(refreshToken: $t) { session { accessToken refreshToken } errors { code } }
}"""
CREATE_KEY = """mutation {
  createApiKey(input: {name: "minted", scopes: [READ_CLIPS]}) { secret errors { code } }
}"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { errors { code } } }"


async def http(server: Server, query: str, variables: Any = None, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        resp = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return resp.json()


async def opened(
    ws_connect: WSFactory, server: Server, token: str, protocol: str = TRANSPORT
) -> WS:
    ws = await ws_connect(server.url, protocol)
    assert await ws.init(token) == {"type": "connection_ack"}
    # Revocations travel on the hub's connection, which the first socket opens.
    await until(lambda: server.hub.connected.is_set(), "the hub's connection")
    return ws


async def ask(ws: WS, query: str = ME, op_id: str = "q") -> dict[str, Any]:
    """Run one query or mutation over the socket; its `next` (or `data`) payload."""
    await ws.subscribe(op_id, query=query)
    message = await ws.recv_data()
    assert message["type"] in ("next", "data"), message
    await ws.recv_data()  # complete
    payload: dict[str, Any] = message["payload"]
    return payload


async def session_tokens(make_user: Any) -> tuple[Any, str, str]:
    user, _ = await make_user()
    tokens = await start_session(user)
    return user, tokens.access_token, tokens.refresh_token


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_log_out_closes_the_sessions_sockets_at_once(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, protocol: str
) -> None:
    user, access, _ = await session_tokens(make_user)
    idle = await opened(ws_connect, ws_server, access, protocol)
    live = await opened(ws_connect, ws_server, access, protocol)
    await live.subscribe("events")
    other_access = (await start_session(user)).access_token  # the user's other sign-in
    other = await opened(ws_connect, ws_server, other_access)
    assert (await ask(other))["data"]["me"]["email"] == user.email

    started = time.monotonic()
    body = await http(ws_server, LOG_OUT, token=access)
    assert body["data"]["logOut"]["ok"] is True
    assert await idle.closed(wait=5) == (4403, "Session revoked")
    assert await live.closed(wait=5) == (4403, "Session revoked")
    assert time.monotonic() - started < 5
    assert (await ask(other, op_id="again"))["data"]["me"]["email"] == user.email


async def test_every_operation_checks_the_session_again(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, monkeypatch: Any
) -> None:
    """Even when the revocation message never arrived, nothing runs over the socket."""
    from core import revocations

    _, access, _ = await session_tokens(make_user)
    ws = await opened(ws_connect, ws_server, access)
    assert (await ask(ws))["data"]["me"] is not None

    async def lost(kind: Any, value: Any) -> bool:
        return False

    monkeypatch.setattr(revocations, "publish", lost)  # the message is lost on its way
    assert (await http(ws_server, LOG_OUT, token=access))["data"]["logOut"]["ok"] is True
    await ws.subscribe("mint", query=CREATE_KEY)
    assert await ws.closed(wait=5) == (4403, "Session revoked")


async def test_a_reused_refresh_token_closes_its_sessions_sockets(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, settings: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from orm.models import RefreshToken

    _, access, refresh_token = await session_tokens(make_user)
    ws = await opened(ws_connect, ws_server, access)
    first = await http(ws_server, REFRESH, {"t": refresh_token})
    assert first["data"]["refreshSession"]["errors"] == []
    late = datetime.now(UTC) - timedelta(seconds=settings.refresh_reuse_grace_seconds + 1)
    await RefreshToken.filter(used_at__isnull=False).update(used_at=late)
    replay = await http(ws_server, REFRESH, {"t": refresh_token})  # a stolen copy
    assert replay["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    assert await ws.closed(wait=5) == (4403, "Session revoked")


async def test_revoking_an_api_key_closes_its_sockets(
    ws_server: Server, ws_connect: WSFactory, gql: Any, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    created = await create_key(gql, token, ["READ_CLIPS"])
    ws = await opened(ws_connect, ws_server, created["secret"])
    await ws.subscribe("events")
    body = await http(ws_server, REVOKE_KEY, {"id": created["apiKey"]["id"]}, token=token)
    assert body["data"]["revokeApiKey"]["errors"] == []
    assert await ws.closed(wait=5) == (4403, "Session revoked")


async def test_a_retired_key_closes_its_sockets(
    ws_server: Server,
    ws_connect: WSFactory,
    make_user: Any,
    redis: Any,
    key_ring: None,  # noqa: F811
) -> None:
    from core import revocations
    from resolvers.auth.keyring import retire, rotate

    user, access, _ = await session_tokens(make_user)
    ws = await opened(ws_connect, ws_server, access)
    published = await opened(ws_connect, ws_server, access)
    claims = decode_access_token(access)
    assert claims is not None
    kid = claims.kid  # the key that signed the session's token
    rotate()  # a new key signs from now on
    fresh = issue_access_token(user)[0]
    survivor = await opened(ws_connect, ws_server, fresh)

    assert await revocations.publish("kid", kid)  # `clipforge keys retire` with Redis
    assert await published.closed(wait=5) == (4403, "Session revoked")
    assert await ws.closed(wait=5) == (4403, "Session revoked")
    # Without the message, each api reads the ring file: retiring in the file is enough.
    again = await opened(ws_connect, ws_server, access)
    assert retire(kid)
    assert await again.closed(wait=5) == (4403, "Session revoked")
    assert (await ask(survivor))["data"]["me"]["email"] == user.email


async def test_a_log_out_on_one_replica_closes_sockets_on_another(
    server_factory: Any, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    first, second = await server_factory(), await server_factory()
    assert first.hub is not second.hub  # two api processes' worth of state
    _, access, _ = await session_tokens(make_user)
    ws = await opened(ws_connect, first, access)
    await ws.subscribe("events")
    await until(lambda: first.hub.connected.is_set(), "the first replica's hub")
    assert (await http(second, LOG_OUT, token=access))["data"]["logOut"]["ok"] is True
    assert await ws.closed(wait=5) == (4403, "Session revoked")


def short_lived(user: Any, settings: Any, seconds: float) -> str:
    """An access token that expires in about `seconds`."""
    return issue_access_token(user, now=time.time() - settings.access_token_ttl_seconds + seconds)[
        0
    ]


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_an_expiring_token_closes_the_socket_with_4401(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, settings: Any,
    protocol: str,
) -> None:  # fmt: skip
    user, _ = await make_user()
    ws = await opened(ws_connect, ws_server, short_lived(user, settings, 2), protocol)
    assert await ws.closed(wait=10) == (4401, "Access token expired")


async def test_an_operation_after_expiry_closes_the_socket_before_it_runs(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, settings: Any
) -> None:
    from graphql_api.events.socket_sessions import sessions_for

    user, _ = await make_user()
    sessions_for(ws_server.hub).set_tick(30)  # the watcher would come too late
    try:
        ws = await opened(ws_connect, ws_server, short_lived(user, settings, 1.5))
        await asyncio.sleep(2)
        await ws.subscribe("late", query=CREATE_KEY)
        assert await ws.closed(wait=5) == (4401, "Access token expired")
    finally:
        sessions_for(ws_server.hub).set_tick(1.0)


async def test_a_fresh_token_in_a_ping_keeps_the_socket_open(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, settings: Any
) -> None:
    user, _ = await make_user()
    ws = await opened(ws_connect, ws_server, short_lived(user, settings, 2))
    await ws.subscribe("events")
    await ws.send({"type": "ping", "payload": {"token": short_lived(user, settings, 6)}})
    while (message := await ws.recv())["type"] != "pong":
        assert message["type"] == "next", message
    await asyncio.sleep(3)  # past the first token's expiry
    assert (await ask(ws))["data"]["me"]["email"] == user.email
    assert await ws.closed(wait=10) == (4401, "Access token expired")  # the fresh one's


async def test_legacy_clients_send_a_fresh_token_in_a_second_connection_init(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, settings: Any
) -> None:
    user, _ = await make_user()
    await make_upload(user)  # so the subscription answers at once (its current state)
    ws = await opened(ws_connect, ws_server, short_lived(user, settings, 2), LEGACY)
    assert await ws.init(short_lived(user, settings, 30)) == {"type": "connection_ack"}
    await asyncio.sleep(3)
    await ws.subscribe("events")  # legacy graphql-ws carries subscriptions only
    message = await ws.recv_data()
    assert message["type"] == "data" and "errors" not in message["payload"], message
    assert message["payload"]["data"]["pipelineEvents"]["replay"] is True


async def test_a_fresh_token_of_someone_else_closes_the_socket(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    _, token = await make_user()
    _, other = await make_user()
    ws = await opened(ws_connect, ws_server, token)
    await ws.send({"type": "ping", "payload": {"authorization": f"Bearer {other}"}})
    assert await ws.closed(wait=5) == (4403, "Invalid token")
    forged = await opened(ws_connect, ws_server, token)
    await forged.send({"type": "ping", "payload": {"token": "forged"}})
    assert await forged.closed(wait=5) == (4403, "Invalid token")
    plain = await opened(ws_connect, ws_server, token)  # a ping without a token is a ping
    await plain.send({"type": "ping"})
    assert await plain.recv() == {"type": "pong"}
