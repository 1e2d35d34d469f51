"""Helpers for the partner flows end to end: settings that open the local servers, a burst
worker in this process, webhooks registered through the contract, what was stored."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from arq.worker import Worker

from core import config
from core.config import Settings
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


async def run_worker() -> Worker:
    """The real worker (every task in its retry policy) until its queue is empty, deferred
    jobs included; the test session owns the database connections."""
    from jobs.worker import worker_settings

    options = worker_settings()
    options.update(
        on_startup=None, on_shutdown=None, handle_signals=False, burst=True, cron_jobs=None
    )
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


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
