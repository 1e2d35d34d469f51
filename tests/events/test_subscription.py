"""pipelineEvents end to end over a real server: late joiners, filtering, token expiry, slow
consumers, 500 connect/disconnect cycles without leaks, and graceful shutdown."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import connect

from core.event_hub import CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON
from core.events import StageEvent, publish
from core.metrics import WS_CONNECTIONS
from tests.events.conftest import (
    LEGACY,
    TRANSPORT,
    WS,
    Server,
    WSFactory,
    make_upload,
    small_rcvbuf_socket,
    until,
)
from tests.factories import gid


def fields(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] in ("next", "data"), message
    event: dict[str, Any] = message["payload"]["data"]["pipelineEvents"]
    return event


async def subscribed(server: Server, user_id: Any, count: int = 1) -> None:
    await until(
        lambda: (
            len(server.hub.subscribers.get(str(user_id), ())) >= count
            and server.hub.is_live(str(user_id))
        ),
        "the hub subscriber",
    )


async def open_ready(
    ws_connect: WSFactory, server: Server, token: str, protocol: str = TRANSPORT
) -> WS:
    ws = await ws_connect(server.url, protocol)
    assert await ws.init(token) == {"type": "connection_ack"}
    return ws


async def test_a_late_joiner_gets_the_current_state_then_the_live_stream(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    upload = await make_upload(user, status="CLIPPING")
    up = str(upload.id)
    for event in [
        StageEvent(up, "TRANSCRIBE", "STARTED"),
        StageEvent(up, "TRANSCRIBE", "PROGRESS", 0.5),
        StageEvent(up, "TRANSCRIBE", "COMPLETED", 1.0),
        StageEvent(up, "CLIP", "STARTED"),
        StageEvent(up, "CLIP", "PROGRESS", 0.3),
    ]:
        assert await publish(user.id, event)

    ws = await open_ready(ws_connect, ws_server, token)
    await ws.subscribe("1", {"uploadId": gid("Upload", upload.id)})
    replay = [fields(await ws.recv()), fields(await ws.recv())]
    assert [(e["stage"], e["status"], e["seq"], e["replay"]) for e in replay] == [
        ("TRANSCRIBE", "COMPLETED", 3, True),
        ("CLIP", "PROGRESS", 5, True),
    ]
    await subscribed(ws_server, user.id)
    assert await publish(user.id, StageEvent(up, "CLIP", "PROGRESS", 0.6))
    live = fields(await ws.recv())
    # No gap the client cannot see: the live stream continues right after the state.
    assert (live["seq"], live["uploadSeq"], live["progress"], live["replay"]) == (6, 6, 0.6, False)


async def test_all_uploads_state_falls_back_to_postgres_and_new_uploads_stream(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    queued = await make_upload(user, status="QUEUED")  # never published: Postgres says where
    failed = await make_upload(user, status="FAILED")
    failed.error = "The file has no audio."
    await failed.save()
    await make_upload(user, status="AWAITING_UPLOAD")  # nothing started: no event
    running = await make_upload(user, status="CAPTIONING")
    assert await publish(user.id, StageEvent(str(running.id), "CAPTIONS", "PROGRESS", 0.9))

    ws = await open_ready(ws_connect, ws_server, token)
    await ws.subscribe("all")
    replay = [fields(await ws.recv()) for _ in range(3)]
    by_upload = {e["uploadId"]: e for e in replay}
    assert set(by_upload) == {gid("Upload", u.id) for u in (queued, failed, running)}
    assert (
        by_upload[gid("Upload", queued.id)]["status"],
        by_upload[gid("Upload", queued.id)]["seq"],
    ) == ("STARTED", None)
    assert by_upload[gid("Upload", failed.id)]["status"] == "FAILED"
    assert by_upload[gid("Upload", failed.id)]["message"] == "The file has no audio."
    assert by_upload[gid("Upload", running.id)]["seq"] == 1
    assert all(e["replay"] for e in replay)

    await subscribed(ws_server, user.id)
    fresh = str(uuid.uuid4())
    assert await publish(user.id, StageEvent(fresh, "TRANSCRIBE", "STARTED"))
    live = fields(await ws.recv())
    assert live["uploadId"] == gid("Upload", fresh) and live["seq"] == 2


async def test_one_upload_is_filtered_and_other_users_get_nothing(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    other, other_token = await make_user()
    mine, also_mine = (
        await make_upload(user, "AWAITING_UPLOAD"),
        await make_upload(user, "AWAITING_UPLOAD"),
    )
    ws = await open_ready(ws_connect, ws_server, token)
    await ws.subscribe("1", {"uploadId": gid("Upload", mine.id)})
    spy = await open_ready(ws_connect, ws_server, other_token)
    await spy.subscribe("1")
    await subscribed(ws_server, user.id)
    await subscribed(ws_server, other.id)

    assert await publish(user.id, StageEvent(str(also_mine.id), "CLIP", "STARTED"))
    assert await publish(user.id, StageEvent(str(mine.id), "CLIP", "COMPLETED", 1.0))
    assert await publish(other.id, StageEvent(None, "EXPORT", "STARTED"))
    event = fields(await ws.recv())
    assert (event["uploadId"], event["status"], event["seq"]) == (
        gid("Upload", mine.id),
        "COMPLETED",
        2,
    )
    spied = fields(await spy.recv())
    assert spied["stage"] == "EXPORT"  # the other user's own event, none of ours
    with pytest.raises(TimeoutError):
        await spy.recv(wait=0.3)


async def test_an_expired_token_stops_delivery(
    ws_server: Server, ws_connect: WSFactory, make_user: Any, redis: Any, monkeypatch: Any
) -> None:
    from core.config import get_settings
    from resolvers.auth.tokens import issue_access_token

    user, _ = await make_user()
    monkeypatch.setattr(get_settings(), "access_token_ttl_seconds", 3)
    token, _ = issue_access_token(user)
    ws = await open_ready(ws_connect, ws_server, token)
    await ws.subscribe("1")
    await subscribed(ws_server, user.id)
    assert await publish(user.id, StageEvent(None, "CLIP", "STARTED"))
    assert fields(await ws.recv())["status"] == "STARTED"

    assert await ws.closed() == (4403, "Access token expired")
    await until(lambda: not ws_server.hub.subscribers.get(str(user.id)), "the release")
    assert await publish(user.id, StageEvent(None, "CLIP", "COMPLETED", 1.0))


async def test_a_stuck_client_is_disconnected_and_its_memory_released(
    server_factory: Any, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    server = await server_factory(sndbuf=4096, ws_queue_size=8, ws_slow_consumer_seconds=0.2)
    conn = await connect(
        server.url,
        subprotocols=[TRANSPORT],  # type: ignore[list-item]
        compression=None,
        max_queue=1,
        ping_interval=None,
        sock=small_rcvbuf_socket(server.port),
    )
    ws = WS(conn)
    assert await ws.init(token) == {"type": "connection_ack"}
    await ws.subscribe("1")
    await subscribed(server, user.id)
    [sub] = server.hub.subscribers[str(user.id)]

    # The client reads nothing while events pour in.
    published = 0
    while str(user.id) in server.hub.subscribers and published < 20_000:
        batch = [
            StageEvent(None, "CLIP", "PROGRESS", 0.5, message="x" * 2000) for _ in range(100)
        ]
        await asyncio.gather(*(publish(user.id, e) for e in batch))
        published += len(batch)
        await asyncio.sleep(0.01)
    assert str(user.id) not in server.hub.subscribers, "the stuck subscriber was never closed"
    assert sub.dropped > 0 and not sub.queue  # it lost PROGRESS events, then its queue was freed

    received = 0
    try:
        while True:
            message = await ws.recv(wait=10)
            assert message["type"] == "next"
            received += 1
    except Exception as exc:  # noqa: BLE001 - the close ends the loop
        rcvd = getattr(exc, "rcvd", None)
        assert rcvd is not None, exc
        assert (rcvd.code, rcvd.reason) == (CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON)
    assert 0 < received < published


async def test_500_connect_disconnect_cycles_leak_nothing(
    ws_server: Server, make_user: Any, redis: Any, monkeypatch: Any
) -> None:
    from core.config import get_settings

    # One user opens 500 subscriptions within a minute: lift the per-user request budget.
    monkeypatch.setattr(get_settings(), "rate_limit_per_minute", 100_000)
    user, token = await make_user()
    upload = await make_upload(user)
    assert await publish(user.id, StageEvent(str(upload.id), "TRANSCRIBE", "PROGRESS", 0.1))
    variables = {"uploadId": gid("Upload", upload.id)}
    hub = ws_server.hub

    during: list[int] = []

    async def cycle(i: int) -> None:
        protocol = LEGACY if i % 3 == 2 else TRANSPORT
        async with connect(ws_server.url, subprotocols=[protocol], compression=None) as conn:  # type: ignore[list-item]
            ws = WS(conn)
            assert await ws.init(token) == {"type": "connection_ack"}
            await ws.subscribe("s", variables)
            assert fields(await ws.recv())["replay"] is True  # the subscription is live
            if i == 250:
                during.append(len(socket_tasks()))
            if i % 3 == 0:
                await ws.send({"id": "s", "type": "complete"})
            elif i % 3 == 2:
                await ws.send({"id": "s", "type": "stop"})
                assert await ws.recv() == {"type": "complete", "id": "s"}
            # i % 3 == 1: the socket just goes away

    def socket_tasks() -> set[asyncio.Task[Any]]:
        """Tasks of the WebSocket stack (server, protocol handlers, hub); other fixtures'
        background tasks in the same loop are not ours to count."""
        ours = ("uvicorn", "strawberry", "starlette", "event_hub", "graphql_api", "websockets")
        found = set()
        for task in asyncio.all_tasks():
            code = getattr(task.get_coro(), "cr_code", None)
            if code is not None and any(part in code.co_filename for part in ours):
                found.add(task)
        return found

    async def settled() -> tuple[int, int, int, int, float]:
        [(_, numsub)] = await redis.pubsub_numsub(f"user:{user.id}")
        numpat = await redis.pubsub_numpat()
        return (
            hub.subscriber_count,
            len(socket_tasks()),
            numsub,
            numpat,
            WS_CONNECTIONS._value.get(),
        )

    await cycle(0)  # warm up: the hub's reader task exists from here on
    # Sockets of earlier tests on this server close on their own time (a client that never
    # answers the close handshake is dropped by the ping timeout): wait for them generously.
    await until(
        lambda: hub.subscriber_count == 0, f"warm-up release {list(hub.subscribers)}", limit=180
    )
    await asyncio.sleep(0.2)
    before = await settled()
    tasks_before = socket_tasks()
    assert before[0] == 0 and before[2] == 0

    for i in range(500):
        await cycle(i)

    async def back_to_baseline() -> bool:
        return await settled() == before

    await until(
        back_to_baseline, "subscribers, tasks, Redis subscriptions and sockets to settle", 180
    )
    subs, _, numsub, numpat, _ = await settled()
    assert (subs, numsub, numpat) == (0, 0, before[3])
    assert socket_tasks() == tasks_before  # the very same tasks: none leaked, none replaced
    assert hub._reader in tasks_before and during[0] > len(tasks_before)  # the count sees sockets
    assert hub.subscribers == {} and hub.channel_count == 0


async def test_shutdown_closes_sockets_and_the_hub(
    server_factory: Any, ws_connect: WSFactory, make_user: Any, redis: Any
) -> None:
    user, token = await make_user()
    server = await server_factory(ws_shutdown_grace_seconds=2)
    modern = await open_ready(ws_connect, server, token)
    legacy = await open_ready(ws_connect, server, token, LEGACY)
    await modern.subscribe("1")
    await legacy.subscribe("1")
    await subscribed(server, user.id, 2)

    stopping = asyncio.create_task(server.stop())
    code_modern, _ = await modern.closed()
    code_legacy, _ = await legacy.closed()
    await stopping
    assert (code_modern, code_legacy) == (1012, 1012)  # "service restart": clients reconnect
    assert server.hub.subscriber_count == 0 and not server.hub.running
    [(_, numsub)] = await redis.pubsub_numsub(f"user:{user.id}")
    assert numsub == 0
