"""The per-process hub: bounded queues and their drop policy, fan-out, reference-counted
subscriptions, and delivery that resumes by itself after a Redis restart."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from core.embedded import free_port, start_redis
from core.event_hub import (
    CLOSE_SHUTDOWN,
    CLOSE_SLOW_CONSUMER,
    SLOW_CONSUMER_REASON,
    EventHub,
    Subscriber,
    SubscriberClosed,
)
from core.events import StageEvent, publish
from core.redis import redis_url
from tests.events.conftest import until


def ev(status: str, n: int = 0) -> dict[str, Any]:
    return {"stage": "CLIP", "status": status, "seq": n}


class Closes:
    """Records on_close calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    async def __call__(self, code: int, reason: str) -> None:
        self.calls.append((code, reason))


async def drain(sub: Subscriber) -> list[dict[str, Any]]:
    out = []
    while sub.queue:
        out.append(await sub.get())
    return out


async def test_a_slow_subscriber_loses_the_oldest_progress_first() -> None:
    sub = Subscriber(EventHub("redis://unused"), "u", maxsize=4, stuck_seconds=60, on_close=None)
    for event in [ev("STARTED", 1), ev("PROGRESS", 2), ev("PROGRESS", 3), ev("PROGRESS", 4)]:
        sub.push(event)
    sub.push(ev("PROGRESS", 5))  # full: PROGRESS 2 goes
    sub.push(ev("COMPLETED", 6))  # full: PROGRESS 3 goes
    sub.push(ev("PROGRESS", 7))  # full: PROGRESS 4 goes
    assert [e["seq"] for e in await drain(sub)] == [1, 5, 6, 7]
    assert sub.dropped == 3
    assert sub.closed is None


async def test_terminal_events_are_kept_and_an_overflow_closes_the_subscriber() -> None:
    closes = Closes()
    sub = Subscriber(EventHub("redis://unused"), "u", maxsize=2, stuck_seconds=60, on_close=closes)
    sub.push(ev("STARTED", 1))
    sub.push(ev("COMPLETED", 2))
    sub.push(ev("PROGRESS", 3))  # nothing older to drop: the newcomer is dropped
    sub.push(ev("FAILED", 4))  # never dropped: uses the headroom
    assert [e["seq"] for e in sub.queue] == [1, 2, 4]
    sub.push(ev("RETRYING", 5))
    sub.push(ev("FAILED", 6))  # past the hard limit (2 x maxsize): closed
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert closes.calls == [(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON)]
    assert not sub.queue  # memory released at once
    try:
        await sub.get()
        raise AssertionError("get() on a closed subscriber must raise")
    except SubscriberClosed as exc:
        assert exc.code == CLOSE_SLOW_CONSUMER


async def test_a_subscriber_stuck_too_long_is_closed() -> None:
    closes = Closes()
    sub = Subscriber(EventHub("redis://unused"), "u", maxsize=2, stuck_seconds=5, on_close=closes)
    sub.push(ev("PROGRESS", 1))
    sub.push(ev("PROGRESS", 2))
    sub.push(ev("PROGRESS", 3))  # full: the clock starts
    assert sub.full_since is not None
    sub.check_stuck(time.monotonic() + 1)  # not long enough
    assert sub.closed is None
    sub.check_stuck(time.monotonic() + 6)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert sub.closed is not None and closes.calls == [(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON)]


async def test_a_consumer_that_catches_up_resets_the_clock() -> None:
    sub = Subscriber(EventHub("redis://unused"), "u", maxsize=2, stuck_seconds=5, on_close=None)
    for n in range(3):
        sub.push(ev("PROGRESS", n))
    assert sub.full_since is not None
    await sub.get()
    assert sub.full_since is None
    sub.check_stuck(time.monotonic() + 60)
    assert sub.closed is None


async def test_fan_out_reaches_only_the_users_subscribers(redis: Any) -> None:
    hub = EventHub(redis_url())
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        a1, a2, b1 = (
            await hub.subscribe(alice),
            await hub.subscribe(alice),
            await hub.subscribe(bob),
        )
        await asyncio.wait_for(hub.connected.wait(), 10)
        await until(lambda: _numsub(redis, alice, 1), "alice's SUBSCRIBE")
        await until(lambda: _numsub(redis, bob, 1), "bob's SUBSCRIBE")

        assert await publish(alice, StageEvent(None, "CLIP", "STARTED"))
        assert await publish(bob, StageEvent(None, "EXPORT", "COMPLETED", 1.0))
        got_a1 = await asyncio.wait_for(a1.get(), 10)
        got_a2 = await asyncio.wait_for(a2.get(), 10)
        got_b1 = await asyncio.wait_for(b1.get(), 10)
        assert got_a1 == got_a2 and got_a1["stage"] == "CLIP"
        assert got_b1["stage"] == "EXPORT"  # bob's first event is his own, not alice's
        assert not a1.queue and not b1.queue
    finally:
        await hub.stop()


async def _numsub(redis: Redis, user_id: str, expected: int) -> bool:
    [(_, count)] = await redis.pubsub_numsub(f"user:{user_id}")
    return bool(count == expected)


async def test_subscriptions_are_reference_counted(redis: Any) -> None:
    hub = EventHub(redis_url())
    user = str(uuid.uuid4())
    try:
        first, second = await hub.subscribe(user), await hub.subscribe(user)
        await asyncio.wait_for(hub.connected.wait(), 10)
        await until(lambda: _numsub(redis, user, 1), "one SUBSCRIBE for two subscribers")
        await hub.unsubscribe(first)
        await asyncio.sleep(0.1)
        assert await _numsub(redis, user, 1)
        await hub.unsubscribe(second)
        await hub.unsubscribe(second)  # idempotent
        await until(lambda: _numsub(redis, user, 0), "UNSUBSCRIBE after the last one")
        assert hub.subscribers == {}
    finally:
        await hub.stop()


async def test_stop_closes_subscribers_and_the_connection(redis: Any) -> None:
    hub = EventHub(redis_url())
    closes = Closes()
    user = str(uuid.uuid4())
    sub = await hub.subscribe(user, closes)
    await asyncio.wait_for(hub.connected.wait(), 10)
    await hub.stop()
    assert closes.calls == [(CLOSE_SHUTDOWN, "Server shutting down")]
    assert sub.closed is not None and hub.subscriber_count == 0 and not hub.running
    await until(lambda: _numsub(redis, user, 0), "the hub's connection to go")


async def test_delivery_resumes_after_a_redis_restart(tmp_path: Path) -> None:
    """Our own redis-server (never the shared one): killed, then a new one on the same port."""
    port = free_port()
    url, proc = start_redis(tmp_path / "first", port)
    hub = EventHub(url, max_backoff_seconds=0.5)
    user = str(uuid.uuid4())
    procs: list[subprocess.Popen[bytes]] = [proc]
    try:
        sub = await hub.subscribe(user)
        await asyncio.wait_for(hub.connected.wait(), 10)
        client = Redis.from_url(url)
        await until(lambda: _numsub(client, user, 1), "the SUBSCRIBE")
        assert await publish(user, StageEvent(None, "CLIP", "STARTED"), redis=client)
        assert (await asyncio.wait_for(sub.get(), 10))["status"] == "STARTED"
        await client.aclose()

        proc.kill()
        proc.wait(10)
        await until(lambda: not hub.connected.is_set(), "the hub to notice")
        url2, proc2 = start_redis(tmp_path / "second", port)
        procs.append(proc2)
        assert url2 == url

        await until(lambda: hub.connected.is_set(), "the hub to reconnect")
        assert hub.reconnects >= 1
        client = Redis.from_url(url)
        await until(lambda: _numsub(client, user, 1), "the hub to re-subscribe")
        assert await publish(user, StageEvent(None, "CLIP", "COMPLETED", 1.0), redis=client)
        event = await asyncio.wait_for(sub.get(), 10)
        assert event["status"] == "COMPLETED"
        assert sub.closed is None  # the same subscriber: nothing had to reconnect but the hub
        await client.aclose()
    finally:
        await hub.stop()
        for p in procs:
            p.kill()
            p.wait(10)
