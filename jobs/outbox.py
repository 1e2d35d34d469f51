"""Webhook deliveries that should have a job: the reconciler's view of the outbox.

PostgreSQL is the record: a PENDING delivery that is due has (or should have) the job of its
next attempt, `deliver_webhook:<delivery id>:<attempt>`. Redis can lose it (a restart without
its data, a crash between the commit and the enqueue, a queue unreachable at that moment).
`due_deliveries` lists the due ones (registered with jobs.reconcile, which restarts those
without a live job); `lost_deliveries` is the same list minus those with a job, for operators
and tests. A delivery's task checks the attempt it was started for against the row, so a job
started twice sends once. A retry waiting out its back-off is not due, so it is never sent early.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobs import schedule
from orm.models import DeliveryState, WebhookDelivery

BATCH = 1000


@dataclass(frozen=True)
class DueDelivery:
    delivery_id: uuid.UUID
    attempt: int  # the attempt its job would run
    version: str  # changes with every recorded attempt

    async def start(self, pool: Any) -> bool:
        return await schedule.start_webhook_delivery(self.delivery_id, self.attempt, pool=pool)


async def due_deliveries(
    ids: Collection[str] | None = None, *, now: datetime | None = None, limit: int = BATCH
) -> list[DueDelivery]:
    """PENDING deliveries whose next attempt is due (only those of `ids` when given)."""
    query = WebhookDelivery.filter(
        state=DeliveryState.PENDING, next_attempt_at__lte=now or datetime.now(UTC)
    )
    if ids is not None:
        query = query.filter(id__in=list(ids))
    rows = await query.order_by("next_attempt_at").limit(limit).values_list("id", "attempts")
    return [DueDelivery(pk, attempts + 1, f"{attempts}") for pk, attempts in rows]


async def lost_deliveries(redis: Any, *, now: datetime | None = None) -> list[DueDelivery]:
    """Due deliveries with no job queued, deferred, running or leased."""
    due = await due_deliveries(now=now)
    if not due:
        return []
    live = await schedule.live_subjects(redis)
    return [d for d in due if str(d.delivery_id) not in live]
