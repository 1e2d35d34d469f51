"""Recovering webhook deliveries whose job was lost.

PostgreSQL is the record: a PENDING delivery that is due has (or should have) the job of its
next attempt, `deliver_webhook:<delivery id>:<attempt>`. Redis can lose it (a restart without
its data, a crash between the commit and the enqueue, a queue unreachable at that moment).
`lost_deliveries` lists the due ones whose job is not in Redis; `recover_lost_deliveries`
starts them again. A delivery's task checks the attempt it was started for against the row,
so a job started twice sends once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arq.constants import job_key_prefix

from core.pipeline import Job
from jobs import schedule
from orm.models import DeliveryState, WebhookDelivery

log = logging.getLogger("clipforge.outbox")

BATCH = 500


@dataclass(frozen=True)
class LostDelivery:
    delivery_id: uuid.UUID
    attempt: int  # the attempt its job would run


async def lost_deliveries(
    redis: Any, *, now: datetime | None = None, limit: int = BATCH
) -> list[LostDelivery]:
    """Due PENDING deliveries with no job queued, deferred or running for their next attempt."""
    rows = (
        await WebhookDelivery.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now or datetime.now(UTC)
        )
        .order_by("next_attempt_at")
        .limit(limit)
        .values_list("id", "attempts")
    )
    if not rows:
        return []
    due = [LostDelivery(pk, attempts + 1) for pk, attempts in rows]
    async with redis.pipeline(transaction=False) as pipe:
        for item in due:
            key = schedule.job_id(Job.DELIVER_WEBHOOK, item.delivery_id, item.attempt)
            pipe.exists(job_key_prefix + key)
        queued = await pipe.execute()
    return [item for item, there in zip(due, queued, strict=True) if not there]


async def recover_lost_deliveries(ctx: dict[str, Any] | None = None) -> int:
    """Start the next attempt of every lost delivery (an arq cron job); returns how many."""
    pool = (ctx or {}).get("redis") or await schedule.get_pool()
    started = 0
    for item in await lost_deliveries(pool):
        if await schedule.start_webhook_delivery(item.delivery_id, item.attempt, pool=pool):
            started += 1
    if started:
        log.warning("restarted %s webhook deliveries whose job was lost", started)
    return started
