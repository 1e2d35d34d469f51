"""Helpers for the operations tests: charged uploads, in-process arq workers, event capture."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker
from tortoise.transactions import in_transaction

from core.config import Settings, configure, get_settings
from core.config import _overrides as current_overrides
from jobs.serialization import deserialize, serialize
from jobs.tasks import Task
from orm.ledger import charge_upload
from orm.models import Upload, User
from orm.models.enums import UploadStatus
from tests.credits.helpers import create_upload
from tests.factories import create_user


@contextmanager
def overridden(**changes: object) -> Iterator[Settings]:
    """Settings changed for the block (this process), then restored."""
    saved = dict(current_overrides)
    try:
        yield configure(**{**saved, **changes})
    finally:
        configure(**saved)


async def charged_upload(
    minutes: int = 5, balance: int = 30, status: UploadStatus = UploadStatus.QUEUED
) -> tuple[User, Upload]:
    """A user whose upload was charged `minutes` (balance `balance - minutes`)."""
    user, _ = await create_user(minutes=balance)
    upload = await create_upload(user, status=status, duration=minutes * 60.0)
    async with in_transaction() as conn:
        await charge_upload(upload, minutes, conn)
    return user, upload


def make_task(name: str, body: Callable[..., Awaitable[Any]], timeout: int = 60) -> Task:
    return Task(name=name, coroutine=body, timeout=timeout)


async def enqueue(name: str, *args: Any, **kwargs: Any) -> Any:
    """A raw arq enqueue (any id, any argument form), as another producer might send."""
    from jobs.schedule import get_pool

    return await (await get_pool()).enqueue_job(name, *args, **kwargs)


async def run_burst(tasks: list[Task]) -> Worker:
    """A real arq worker (this process, same Redis) that runs until the queue is empty."""
    from jobs.worker import function

    worker = Worker(
        functions=[function(t) for t in tasks],  # type: ignore[list-item]
        redis_settings=RedisSettings.from_dsn(get_settings().redis_url or ""),
        job_serializer=serialize,
        job_deserializer=deserialize,
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
    )
    try:
        await asyncio.wait_for(worker.main(), 60)
    finally:
        await worker.close()
    return worker


class EventTap:
    """Collects the pipeline events published to one user's channel."""

    def __init__(self, redis: Any, user_id: object) -> None:
        self.pubsub = redis.pubsub()
        self.channel = f"user:{user_id}"
        self.events: list[dict[str, Any]] = []

    async def __aenter__(self) -> EventTap:
        await self.pubsub.subscribe(self.channel)
        return self

    async def drain(self, quiet: float = 0.5) -> list[dict[str, Any]]:
        """Everything published so far (stops after `quiet` seconds without a message)."""
        while True:
            msg = await self.pubsub.get_message(timeout=quiet)
            if msg is None:
                return self.events
            if msg["type"] == "message":
                self.events.append(json.loads(msg["data"]))

    async def __aexit__(self, *exc: object) -> None:
        await self.pubsub.unsubscribe(self.channel)
        await self.pubsub.aclose()


class Receiver:
    """A local HTTP server that records the JSON bodies POSTed to it (an alert webhook)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def make_clip(upload: Upload, rank: int = 1) -> Any:
    from orm.models import Clip

    base = f"uploads/{upload.id}/clips/{rank}"
    return await Clip.create(
        upload=upload,
        rank=rank,
        start_seconds=0.0,
        end_seconds=30.0,
        duration_seconds=30.0,
        score=0.9,
        title="A moment",
        reason="test",
        video_key=f"{base}.mp4",
        thumbnail_key=f"{base}.jpg",
        srt_key=f"{base}.srt",
        vtt_key=f"{base}.vtt",
        ass_key=f"{base}.ass",
    )
