"""Helpers for the partner flows end to end: settings that open the local servers, a burst
worker in this process, webhooks registered through the contract, what was stored."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from arq.worker import Worker

from core import config
from core.config import Settings
from core.pipeline import Latency, queue_names
from tests.pipeline.contract import operation

LOCAL = "127.0.0.1"  # the only address the partner tests open (as the issue asks)


@contextmanager
def configured(**changes: Any) -> Iterator[Settings]:
    """The test settings with `changes` while the block runs, restored afterwards."""
    before = dict(config._overrides)
    try:
        yield config.configure(**{**before, **changes})
    finally:
        config.configure(**before)


@dataclass
class Ran:
    """What the burst workers of both latency classes did, added up."""

    jobs_complete: int = 0
    jobs_failed: int = 0
    jobs_retried: int = 0


async def _burst(latency: Latency) -> Worker:
    from jobs.worker import worker_settings

    options = worker_settings(latency, crons=False)
    options.update(on_startup=None, on_shutdown=None, handle_signals=False, burst=True)
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def run_worker() -> Ran:
    """The real workers (every task in its retry policy), the long class then the interactive
    one, until both queues are empty (deferred jobs included); the test session owns the
    database connections."""
    from core.redis import get_redis

    ran = Ran()
    while True:
        for latency in Latency:
            worker = await _burst(latency)
            ran.jobs_complete += worker.jobs_complete
            ran.jobs_failed += worker.jobs_failed
            ran.jobs_retried += worker.jobs_retried
        if not any([await get_redis().zcard(name) for name in queue_names()]):
            return ran


async def create_webhook(gql: Any, token: str, url: str, events: list[str]) -> dict[str, Any]:
    body = await gql(
        operation("CreateWebhook"), {"input": {"url": url, "events": events}}, token=token
    )
    payload: dict[str, Any] = body["data"]["createWebhook"]
    return payload


async def import_link(gql: Any, token: str, url: str) -> dict[str, Any]:
    body = await gql(operation("ImportUpload"), {"input": {"url": url}}, token=token)
    payload: dict[str, Any] = body["data"]["importUpload"]
    return payload


def pk(global_id: str) -> uuid.UUID:
    from resolvers.ids import from_global_id

    return uuid.UUID(from_global_id(global_id)[1])


async def stored(upload_id: uuid.UUID) -> list[str]:
    """Every object under the upload's prefix."""
    from core.storage import get_store
    from core.storage.keys import upload_prefix

    return sorted(await get_store().list_keys(upload_prefix(upload_id)))


def payloads(receiver: Any) -> list[dict[str, Any]]:
    return [json.loads(d.body) for d in receiver.deliveries]
