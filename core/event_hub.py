"""The per-process fan-out: one Redis pub/sub connection, many sockets.

Each api process holds one pub/sub connection, SUBSCRIBEd to `user:<id>` for every user
with at least one live subscriber (reference counted), and copies each message into the
bounded queue of every subscriber of that user. A slow subscriber loses its oldest PROGRESS
events first, never STARTED/COMPLETED/RETRYING/FAILED; one whose queue stays full longer
than `stuck_seconds` (or overflows with events it may not drop) is closed with
CLOSE_SLOW_CONSUMER, so memory stays bounded whatever clients do. If Redis goes away the
hub reconnects with back-off and re-subscribes; subscribers keep their queues meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core.events import channel, decode
from core.pipeline import DROPPABLE_EVENT_STATUSES

log = logging.getLogger("clipforge.events.hub")

Event = dict[str, Any]
CloseCallback = Callable[[int, str], Awaitable[None]]

# WebSocket close codes (documented in the README, "Live progress").
CLOSE_SLOW_CONSUMER = 1013  # "try again later": graphql-ws clients reconnect
CLOSE_SHUTDOWN = 1012  # "service restart": graphql-ws clients reconnect
SLOW_CONSUMER_REASON = "Slow consumer: events were not read in time"
SHUTDOWN_REASON = "Server shutting down"
HUB_CHANNEL = "clipforge:hub"


class SubscriberClosed(Exception):
    """The subscriber was closed by the hub (slow consumer, shutdown)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Subscriber:
    """One subscription's bounded queue. Only the hub pushes; only its owner gets."""

    def __init__(
        self,
        hub: EventHub,
        user_id: str,
        maxsize: int,
        stuck_seconds: float,
        on_close: CloseCallback | None,
    ) -> None:
        self.hub = hub
        self.user_id = user_id
        self.maxsize = maxsize
        self.hard_limit = maxsize * 2
        self.stuck_seconds = stuck_seconds
        self.on_close = on_close
        self.queue: deque[Event] = deque()
        self.dropped = 0
        self.full_since: float | None = None
        self.closed: SubscriberClosed | None = None
        self._wakeup = asyncio.Event()

    def push(self, event: Event) -> None:
        if self.closed:
            return
        if len(self.queue) >= self.maxsize:
            now = time.monotonic()
            if self.full_since is None:
                self.full_since = now
            elif now - self.full_since > self.stuck_seconds:
                self.close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON)
                return
            if not self._make_room(event):
                return
        self.queue.append(event)
        self._wakeup.set()

    def _make_room(self, incoming: Event) -> bool:
        """Drop the oldest PROGRESS event; False when the incoming one is dropped instead."""
        for index, queued in enumerate(self.queue):
            if queued.get("status") in DROPPABLE_EVENT_STATUSES:
                del self.queue[index]
                self.dropped += 1
                return True
        if incoming.get("status") in DROPPABLE_EVENT_STATUSES:
            self.dropped += 1
            return False
        if len(self.queue) >= self.hard_limit:
            self.close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON)
            return False
        return True  # events that must not be lost may use the headroom up to hard_limit

    def check_stuck(self, now: float) -> None:
        if self.full_since is not None and now - self.full_since > self.stuck_seconds:
            self.close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON)

    async def get(self) -> Event:
        """The next event; raises SubscriberClosed once closed (pending events are dropped)."""
        while True:
            if self.closed:
                raise self.closed
            if self.queue:
                event = self.queue.popleft()
                if len(self.queue) < self.maxsize:
                    self.full_since = None
                return event
            self._wakeup.clear()
            await self._wakeup.wait()

    def close(self, code: int, reason: str) -> None:
        """Stop this subscriber now: free its queue, leave the hub, tell its owner."""
        if self.closed:
            return
        self.closed = SubscriberClosed(code, reason)
        self.queue.clear()
        self._wakeup.set()
        if self.hub._detach(self):  # noqa: SLF001
            self.hub._spawn(self.hub._sync_channel(self.user_id))  # noqa: SLF001
        if self.on_close is not None:
            log.info("closing subscriber of user %s: %s", self.user_id, reason)
            self.hub._spawn(self.on_close(code, reason))  # noqa: SLF001


class EventHub:
    """One pub/sub connection for the whole process; started lazily, stopped by the app."""

    def __init__(
        self,
        url: str | Callable[[], str],
        *,
        queue_size: int = 256,
        stuck_seconds: float = 30.0,
        ping_seconds: float = 10.0,
        max_backoff_seconds: float = 5.0,
        shutdown_grace_seconds: float = 5.0,
    ) -> None:
        self._url = url
        self.queue_size = queue_size
        self.stuck_seconds = stuck_seconds
        self.ping_seconds = ping_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.shutdown_grace_seconds = shutdown_grace_seconds
        self.subscribers: dict[str, set[Subscriber]] = {}
        # channel -> set once Redis confirmed the SUBSCRIBE (from then on nothing is missed)
        self._confirmed: dict[str, asyncio.Event] = {}
        self.confirm_timeout = 5.0
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._lock = asyncio.Lock()
        self._pubsub: PubSub | None = None
        self._client: Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._side_tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return self._url() if callable(self._url) else self._url

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    @property
    def running(self) -> bool:
        return self._reader is not None and not self._reader.done()

    # ------------------------------------------------------------------ subscribe
    async def subscribe(self, user_id: str, on_close: CloseCallback | None = None) -> Subscriber:
        """A new subscriber for the user's events (SUBSCRIBE on the first one).

        Returns once Redis has confirmed the channel's subscription (or after
        `confirm_timeout` while Redis is away), so an event published after this returns
        reaches the subscriber: read the current state only then, and nothing falls between.
        """
        if self._closing:
            raise SubscriberClosed(CLOSE_SHUTDOWN, SHUTDOWN_REASON)
        self._ensure_started()
        sub = Subscriber(self, user_id, self.queue_size, self.stuck_seconds, on_close)
        name = channel(user_id)
        async with self._lock:
            self.subscribers.setdefault(user_id, set()).add(sub)
            confirmed = self._confirmed.get(name)
            if confirmed is None:
                confirmed = self._confirmed[name] = asyncio.Event()
                if self._pubsub is not None:
                    try:
                        await self._pubsub.subscribe(name)
                    except Exception:  # noqa: BLE001 - the reader reconnects and re-subscribes
                        log.warning("pub/sub subscribe failed; will re-subscribe", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(confirmed.wait(), self.confirm_timeout)
        return sub

    @property
    def channel_count(self) -> int:
        """User channels the hub holds (subscribed, or about to be)."""
        return len(self._confirmed)

    def is_live(self, user_id: str) -> bool:
        """Whether Redis has confirmed the user's channel subscription."""
        confirmed = self._confirmed.get(channel(user_id))
        return confirmed is not None and confirmed.is_set()

    async def unsubscribe(self, sub: Subscriber) -> None:
        """Release a subscriber (idempotent); UNSUBSCRIBE after the user's last one."""
        sub.closed = sub.closed or SubscriberClosed(1000, "unsubscribed")
        sub.queue.clear()
        if self._detach(sub):
            await self._sync_channel(sub.user_id)

    def release_with(self, sub: Subscriber, task: asyncio.Task[Any] | None) -> None:
        """Release `sub` when `task` ends, however it ends.

        A subscription's generator is not always closed when its operation is cancelled (the
        task may be suspended outside it, in the protocol's send): without this, the
        subscriber would stay registered until the generator happened to be collected.
        """
        if task is None:
            return

        def done(_: asyncio.Task[Any]) -> None:
            sub.closed = sub.closed or SubscriberClosed(1000, "unsubscribed")
            sub.queue.clear()
            if self._detach(sub):
                side = asyncio.get_running_loop().create_task(self._sync_channel(sub.user_id))
                self._side_tasks.add(side)
                side.add_done_callback(self._side_tasks.discard)

        task.add_done_callback(done)

    def _detach(self, sub: Subscriber) -> bool:
        """Forget the subscriber; True when it was its user's last (UNSUBSCRIBE is due)."""
        users = self.subscribers.get(sub.user_id)
        if users is None or sub not in users:
            return False
        users.discard(sub)
        if users:
            return False
        del self.subscribers[sub.user_id]
        return True

    async def _sync_channel(self, user_id: str) -> None:
        async with self._lock:
            if user_id in self.subscribers:
                return
            name = channel(user_id)
            self._confirmed.pop(name, None)
            if self._pubsub is None or name.encode() not in self._pubsub.channels:
                return
            try:
                await self._pubsub.unsubscribe(name)
            except Exception:  # noqa: BLE001 - a reconnect subscribes only to live channels
                log.warning("pub/sub unsubscribe failed", exc_info=True)

    # ------------------------------------------------------------------ the reader
    def _ensure_started(self) -> None:
        if not self.running:
            self._reader = asyncio.get_running_loop().create_task(
                self._run(), name="clipforge-event-hub"
            )

    async def _connect(self) -> None:
        async with self._lock:
            client = Redis.from_url(
                self.url, decode_responses=False, socket_connect_timeout=5, health_check_interval=0
            )
            pubsub = client.pubsub()
            try:
                # The hub's own channel keeps the connection in subscribed mode when idle.
                await pubsub.subscribe(HUB_CHANNEL, *(channel(u) for u in self.subscribers))
            except BaseException:
                await _quietly_close(pubsub, client)
                raise
            self._client, self._pubsub = client, pubsub
            self.connected.set()

    async def _disconnect(self) -> None:
        async with self._lock:
            pubsub, client = self._pubsub, self._client
            self._pubsub = self._client = None
            self.connected.clear()
            for name, confirmed in list(self._confirmed.items()):
                if confirmed.is_set():  # to be confirmed again by the next connection
                    self._confirmed[name] = asyncio.Event()
        await _quietly_close(pubsub, client)

    async def _run(self) -> None:
        backoff = 0.05
        first = True
        while not self._closing:
            try:
                await self._connect()
                if not first:
                    self.reconnects += 1
                    log.info("event hub reconnected to Redis")
                first = False
                backoff = 0.05
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any Redis failure: reconnect
                log.warning("event hub lost Redis (%s); retrying in %.2fs", exc, backoff)
            finally:
                await self._disconnect()
            if self._closing:
                break
            await asyncio.sleep(backoff * (0.5 + random.random()))
            backoff = min(backoff * 2, self.max_backoff_seconds)

    async def _read(self) -> None:
        assert self._pubsub is not None
        pubsub = self._pubsub
        last_seen = last_sweep = time.monotonic()
        ping_sent = False
        while not self._closing:
            message = await pubsub.get_message(timeout=1.0)
            now = time.monotonic()
            if message is not None:
                last_seen, ping_sent = now, False
                kind = message.get("type")
                if kind == "message":
                    self._dispatch(message["channel"], message["data"])
                elif kind == "subscribe":
                    confirmed = self._confirmed.get(message["channel"].decode())
                    if confirmed is not None:
                        confirmed.set()
            elif now - last_seen > self.ping_seconds:
                if ping_sent and now - last_seen > 3 * self.ping_seconds:
                    raise ConnectionError("no answer from Redis to pub/sub pings")
                if not ping_sent:
                    await pubsub.ping()
                    ping_sent = True
            if now - last_sweep >= 1.0:
                last_sweep = now
                self._sweep(now)

    def _dispatch(self, raw_channel: bytes, data: bytes) -> None:
        name = raw_channel.decode()
        user_id = name.partition(":")[2]
        subs = self.subscribers.get(user_id)
        if not subs:
            return
        event = decode(data)
        if event is None:
            log.warning("ignoring a malformed event on %s", name)
            return
        for sub in list(subs):
            sub.push(event)

    def _sweep(self, now: float) -> None:
        for subs in list(self.subscribers.values()):
            for sub in list(subs):
                sub.check_stuck(now)

    # ------------------------------------------------------------------ lifecycle
    def _spawn(self, coro: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await coro
            except Exception:  # noqa: BLE001
                log.warning("event hub side task failed", exc_info=True)

        task = asyncio.get_running_loop().create_task(run())
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def stop(self) -> None:
        """Close every subscriber (their sockets get CLOSE_SHUTDOWN) and the connection."""
        self._closing = True
        for subs in list(self.subscribers.values()):
            for sub in list(subs):
                sub.close(CLOSE_SHUTDOWN, SHUTDOWN_REASON)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        await self._disconnect()
        if self._side_tasks:
            _, pending = await asyncio.wait(
                set(self._side_tasks), timeout=self.shutdown_grace_seconds
            )
            for task in pending:
                task.cancel()
        self._closing = False


async def _quietly_close(pubsub: PubSub | None, client: Redis | None) -> None:
    with contextlib.suppress(Exception):
        if pubsub is not None:
            await pubsub.aclose()
    with contextlib.suppress(Exception):
        if client is not None:
            await client.aclose()
