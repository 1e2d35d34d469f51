"""Protocol conformance for both WebSocket protocols: exact messages and close codes.

graphql-transport-ws (what Apollo's GraphQLWsLink speaks) and the legacy graphql-ws
protocol, against a real uvicorn server on 127.0.0.1 with the `websockets` client.
"""

from __future__ import annotations

from typing import Any

from core.events import StageEvent, publish
from tests.events.conftest import LEGACY, TRANSPORT, WS, Server, WSFactory, make_upload
from tests.factories import gid

TYPENAME = "query { __typename }"


async def ready(ws_connect: WSFactory, server: Server, token: str, protocol: str = TRANSPORT) -> WS:
    ws = await ws_connect(server.url, protocol)
    assert await ws.init(token) == {"type": "connection_ack"}
    return ws


async def wait_subscribed(server: Server, user_id: Any, count: int = 1) -> None:
    """Until the hub holds `count` subscribers of the user (the stream is live)."""
    import asyncio

    for _ in range(1000):
        hub = server.hub
        if len(hub.subscribers.get(str(user_id), ())) >= count and hub.is_live(str(user_id)):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("subscription did not reach the hub")


# ---------------------------------------------------------------- graphql-transport-ws


async def test_init_ack_subscribe_next_complete(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    upload = await make_upload(user)
    ws = await ready(ws_connect, ws_server, token)

    await ws.subscribe("1", {"uploadId": gid("Upload", upload.id)})
    first = await ws.recv()  # the current state, from Postgres (nothing published yet)
    assert first["type"] == "next" and first["id"] == "1"
    event = first["payload"]["data"]["pipelineEvents"]
    assert (event["stage"], event["status"], event["replay"], event["seq"]) == (
        "TRANSCRIBE",
        "STARTED",
        True,
        None,
    )

    await wait_subscribed(ws_server, user.id)
    await publish(user.id, StageEvent(str(upload.id), "TRANSCRIBE", "PROGRESS", 0.5))
    live = await ws.recv()
    assert live["type"] == "next" and live["id"] == "1"
    data = live["payload"]["data"]["pipelineEvents"]
    assert data["uploadId"] == gid("Upload", upload.id)
    assert (data["status"], data["progress"], data["replay"]) == ("PROGRESS", 0.5, False)
    assert data["seq"] == 1 and data["uploadSeq"] == 1

    await ws.send({"id": "1", "type": "complete"})
    # The server released the subscription: nothing more arrives for id 1.
    for _ in range(1000):
        if not ws_server.hub.subscribers.get(str(user.id)):
            break
        import asyncio

        await asyncio.sleep(0.01)
    assert not ws_server.hub.subscribers.get(str(user.id))

    # A query over the socket: next, then the server's complete.
    await ws.subscribe("2", query=TYPENAME)
    assert await ws.recv() == {
        "id": "2",
        "type": "next",
        "payload": {"data": {"__typename": "Query"}},
    }
    assert await ws.recv() == {"id": "2", "type": "complete"}


async def test_client_ping_gets_pong(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    _, token = await make_user()
    ws = await ready(ws_connect, ws_server, token)
    await ws.send({"type": "ping"})
    assert await ws.recv() == {"type": "pong"}


async def test_foreign_upload_is_a_not_found_error(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    owner, _ = await make_user()
    _, token = await make_user()
    upload = await make_upload(owner)
    ws = await ready(ws_connect, ws_server, token)

    await ws.subscribe("1", {"uploadId": gid("Upload", upload.id)})
    message = await ws.recv()
    assert message["type"] == "error" and message["id"] == "1"
    [error] = message["payload"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == "No upload with that id."

    # The socket stays usable after an operation error.
    await ws.subscribe("2", query=TYPENAME)
    assert (await ws.recv())["type"] == "next"


async def test_invalid_id_and_validation_errors(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    _, token = await make_user()
    ws = await ready(ws_connect, ws_server, token)

    await ws.subscribe("1", {"uploadId": "not-an-id"})
    message = await ws.recv()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "INVALID_ID"

    await ws.subscribe("2", query="subscription { pipelineEvents { nope } }")
    message = await ws.recv()
    assert message["type"] == "error" and message["id"] == "2"
    assert "nope" in message["payload"][0]["message"]


async def test_each_operation_on_a_socket_reads_fresh_rows(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    """One connection, many operations: DataLoaders must not serve an earlier operation's
    rows (the socket's context lives as long as the connection)."""
    from orm import ledger

    user, token = await make_user(minutes=10)
    ws = await ready(ws_connect, ws_server, token)
    query = "query { me { credits { minutesRemaining } } }"

    async def minutes(op_id: str) -> int:
        await ws.subscribe(op_id, query=query)
        message = await ws.recv()
        assert message["type"] == "next", message
        assert await ws.recv() == {"id": op_id, "type": "complete"}
        return int(message["payload"]["data"]["me"]["credits"]["minutesRemaining"])

    assert await minutes("1") == 10
    await ledger.grant(user.id, 5, f"test:{user.id}")
    assert await minutes("2") == 15


async def test_unauthorised_init_is_closed_4403(ws_server: Server, ws_connect: WSFactory) -> None:
    ws = await ws_connect(ws_server.url)
    await ws.send({"type": "connection_init", "payload": {"token": "forged.token.value"}})
    assert await ws.closed() == (4403, "Forbidden")

    ws = await ws_connect(ws_server.url)
    await ws.send({"type": "connection_init"})  # no token at all
    assert await ws.closed() == (4403, "Forbidden")


async def test_subscribe_before_ack_is_closed_4401(
    ws_server: Server, ws_connect: WSFactory
) -> None:
    ws = await ws_connect(ws_server.url)
    await ws.subscribe("1")
    assert await ws.closed() == (4401, "Unauthorized")


async def test_invalid_messages_are_closed_4400(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    _, token = await make_user()
    ws = await ready(ws_connect, ws_server, token)
    await ws.send("{not json")
    assert await ws.closed() == (4400, "WebSocket message must be valid JSON")

    ws = await ready(ws_connect, ws_server, token)
    await ws.send({"type": "subscribe_please"})
    assert await ws.closed() == (4400, "Unknown message type: subscribe_please")

    ws = await ready(ws_connect, ws_server, token)
    await ws.send({"type": "subscribe", "payload": {"query": TYPENAME}})  # no id
    assert await ws.closed() == (4400, "Failed to parse message")

    ws = await ready(ws_connect, ws_server, token)
    await ws.subscribe("1", query="subscription {")
    code, reason = await ws.closed()
    assert code == 4400 and reason.startswith("Syntax Error")

    ws = await ws_connect(ws_server.url)
    await ws.send({"type": "connection_init", "payload": "token"})
    assert await ws.closed() == (4400, "Invalid connection init payload")


async def test_duplicate_subscription_id_is_closed_4409(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    user, token = await make_user()
    ws = await ready(ws_connect, ws_server, token)
    await ws.subscribe("dup")
    await wait_subscribed(ws_server, user.id)
    await ws.subscribe("dup")
    assert await ws.closed() == (4409, "Subscriber for dup already exists")


async def test_second_init_is_closed_4429(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    _, token = await make_user()
    ws = await ready(ws_connect, ws_server, token)
    await ws.send({"type": "connection_init", "payload": {"token": token}})
    assert await ws.closed() == (4429, "Too many initialisation requests")


async def test_no_init_in_time_is_closed_4408(server_factory: Any, ws_connect: WSFactory) -> None:
    server = await server_factory(ws_init_timeout_seconds=0.2)
    ws = await ws_connect(server.url)
    assert await ws.closed() == (4408, "Connection initialisation timeout")


async def test_unknown_subprotocol_is_closed_4406(ws_server: Server, ws_connect: WSFactory) -> None:
    ws = await ws_connect(ws_server.url, protocol="graphql-nope")
    assert await ws.closed() == (4406, "Subprotocol not acceptable")


async def test_server_pings_idle_sockets(
    server_factory: Any, ws_connect: WSFactory, make_user: Any
) -> None:
    _, token = await make_user()
    server = await server_factory(ws_keep_alive_seconds=0.1)
    ws = await ready(ws_connect, server, token)
    assert await ws.recv() == {"type": "ping"}
    await ws.send({"type": "pong"})
    assert await ws.recv() == {"type": "ping"}  # still open and still pinging


# ---------------------------------------------------------------- legacy graphql-ws


async def test_legacy_init_start_data_stop(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    upload = await make_upload(user, status="CLIPPING")
    ws = await ws_connect(ws_server.url, LEGACY)
    assert await ws.init(token) == {"type": "connection_ack"}

    await ws.subscribe("a", {"uploadId": gid("Upload", upload.id)})
    replay = await ws.recv()
    assert replay["type"] == "data" and replay["id"] == "a"
    assert replay["payload"]["data"]["pipelineEvents"]["stage"] == "CLIP"

    await wait_subscribed(ws_server, user.id)
    await publish(user.id, StageEvent(str(upload.id), "CLIP", "COMPLETED", 1.0))
    live = await ws.recv()
    assert live["type"] == "data"
    assert live["payload"]["data"]["pipelineEvents"]["status"] == "COMPLETED"

    await ws.send({"id": "a", "type": "stop"})
    assert await ws.recv() == {"type": "complete", "id": "a"}

    await ws.send({"type": "connection_terminate"})
    assert await ws.closed() == (1000, "")


async def test_legacy_errors_and_rejection(
    ws_server: Server, ws_connect: WSFactory, make_user: Any
) -> None:
    owner, _ = await make_user()
    user, token = await make_user()
    upload = await make_upload(owner)

    ws = await ws_connect(ws_server.url, LEGACY)
    assert await ws.init(token) == {"type": "connection_ack"}
    await ws.subscribe("x", {"uploadId": gid("Upload", upload.id)})
    message = await ws.recv()
    assert message["type"] == "error" and message["id"] == "x"
    assert message["payload"]["extensions"]["code"] == "NOT_FOUND"

    await ws.send("{not json")  # legacy servers ignore unparsable messages
    await ws.subscribe("y")
    await wait_subscribed(ws_server, user.id)
    await ws.send({"id": "y", "type": "stop"})
    assert await ws.recv() == {"type": "complete", "id": "y"}

    await ws.subscribe("z", query=TYPENAME)  # queries belong on HTTP with this protocol
    message = await ws.recv()
    assert message["type"] == "error" and message["id"] == "z"

    bad = await ws_connect(ws_server.url, LEGACY)
    await bad.send({"type": "connection_init", "payload": {"token": "forged"}})
    assert await bad.recv() == {
        "type": "connection_error",
        "payload": {"message": "Sign in: a valid access token is needed."},
    }
    assert await bad.closed() == (1011, "")


async def test_legacy_start_before_init_is_closed_4401(
    ws_server: Server, ws_connect: WSFactory
) -> None:
    ws = await ws_connect(ws_server.url, LEGACY)
    await ws.subscribe("1")
    assert await ws.closed() == (4401, "Unauthorized")


async def test_legacy_keep_alive(
    server_factory: Any, ws_connect: WSFactory, make_user: Any
) -> None:
    _, token = await make_user()
    server = await server_factory(ws_keep_alive_seconds=0.1)
    ws = await ws_connect(server.url, LEGACY)
    assert await ws.init(token) == {"type": "connection_ack"}
    assert await ws.recv() == {"type": "ka"}
    assert await ws.recv() == {"type": "ka"}
