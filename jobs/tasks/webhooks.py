"""deliver_webhook: one attempt of one recorded event to one endpoint, then the next, later.

Never part of an upload's fate: its failures are the receiver's, recorded on the delivery
row (status code, error, attempts) for the user's `deliveries` list, and retried on
core.webhooks' schedule (about a day, with jitter) by starting the next attempt's job with a
deferral through jobs.schedule. The same row, so the same webhook-id and body, on every
attempt. An endpoint failing without a success for five days is disabled with a reason the
user reads; deliveries to a disabled or undecryptable endpoint fail without being sent.

Row locks are taken webhook first, then delivery: the order deleteWebhook's cascade takes.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core.outbound import outbound_guard, webhook_secret_box, webhooks_require_https
from core.webhooks import DEFAULT_SCHEDULE, RetrySchedule, SecretUnreadable
from jobs import schedule
from jobs.webhook_delivery import DeliveryResult, deliver
from orm.models import DeliveryState, Webhook, WebhookDelivery

log = logging.getLogger("clipforge.webhooks")


def retry_schedule() -> RetrySchedule:
    """The back-off between attempts (tests shorten it)."""
    return DEFAULT_SCHEDULE


def _disabled_reason(since: datetime, error: str | None) -> str:
    day = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    last = f" (last attempt: {error})" if error else ""
    return f"Disabled: every delivery since {day} failed{last}. Fix the endpoint, then add it anew."


async def _record(delivery_id: uuid.UUID, attempt: int, result: DeliveryResult) -> float | None:
    """One transaction: the attempt on the row, the endpoint's health; the next delay or None."""
    plan = retry_schedule()
    async with in_transaction() as conn:
        hook_ids = (
            await WebhookDelivery.filter(id=delivery_id)
            .using_db(conn)
            .values_list("webhook_id", flat=True)
        )
        locked = Webhook.filter(id__in=hook_ids).select_for_update(no_key=True).using_db(conn)
        hook = await locked.first() if hook_ids else None
        row = (
            await WebhookDelivery.filter(
                id=delivery_id, state=DeliveryState.PENDING, attempts=attempt - 1
            )
            .select_for_update()
            .using_db(conn)
            .first()
        )
        if hook is None or row is None:
            return None  # deleted, or another run recorded this attempt
        now = result.attempted_at
        values: dict[str, Any] = {
            "attempts": attempt,
            "status_code": result.status_code,
            "last_attempt_at": now,
            "last_error": result.error,
            "response_excerpt": result.response_excerpt[:512] or None,
            "state": DeliveryState.PENDING,
            "next_attempt_at": None,
        }
        health: dict[str, Any]
        delay: float | None = None
        if result.succeeded:
            values["state"] = DeliveryState.SUCCEEDED
            health = {"failing_since": None, "last_success_at": now}
        else:
            since = hook.failing_since or now
            health = {"failing_since": since}
            delay = plan.delay_after(attempt)
            if plan.should_disable(since, now):
                health |= {
                    "disabled_at": now,
                    "disabled_reason": _disabled_reason(since, result.error),
                }
                delay = None
            if delay is None:
                values["state"] = DeliveryState.FAILED
            else:
                values["next_attempt_at"] = now + timedelta(seconds=delay)
        await WebhookDelivery.filter(id=row.id).using_db(conn).update(**values)
        await Webhook.filter(id=hook.id).using_db(conn).update(**health)
    return delay


async def _fail_unsent(delivery_id: uuid.UUID, attempt: int, why: str) -> None:
    await WebhookDelivery.filter(
        id=delivery_id, state=DeliveryState.PENDING, attempts=attempt - 1
    ).update(state=DeliveryState.FAILED, next_attempt_at=None, last_error=why)


async def deliver_webhook(
    ctx: dict[str, Any], delivery_id: str, attempt: int = 1
) -> dict[str, Any]:
    try:
        pk = uuid.UUID(str(delivery_id))
    except ValueError:
        return {"skipped": "malformed delivery id"}
    row = await WebhookDelivery.filter(id=pk).select_related("webhook").first()
    if row is None:
        return {"skipped": "delivery gone (its endpoint was deleted)"}
    if row.state != DeliveryState.PENDING or row.attempts != attempt - 1:
        return {"skipped": f"attempt {attempt} is not due ({row.state}, {row.attempts} made)"}
    hook: Webhook = row.webhook
    if hook.disabled_at is not None:
        await _fail_unsent(pk, attempt, "not sent: the endpoint is disabled")
        return {"skipped": "endpoint disabled"}
    try:
        secret = webhook_secret_box().open(hook.secret_sealed, context=str(hook.id))
    except SecretUnreadable:
        log.error("webhook %s: its secret does not open with the configured keys", hook.id)
        reason = (
            "Disabled: its signing secret cannot be read since the server secret changed. "
            "Add the endpoint again."
        )
        await Webhook.filter(id=hook.id, disabled_at__isnull=True).update(
            disabled_at=datetime.now(UTC), disabled_reason=reason
        )
        await _fail_unsent(pk, attempt, "not sent: the endpoint's secret cannot be read")
        return {"skipped": "secret unreadable"}
    result = await deliver(
        hook.url,
        secret=secret,
        message_id=row.message_id,
        body=row.body.encode(),
        guard=outbound_guard(),
        require_https=webhooks_require_https(),
    )
    delay = await _record(pk, attempt, result)
    if delay is not None:
        try:
            await schedule.start_webhook_delivery(
                pk, attempt + 1, defer_seconds=delay, pool=ctx.get("redis")
            )
        except schedule.QueueUnavailable:
            log.warning("next attempt of delivery %s not queued; recovery will start it", pk)
    return {
        "delivery_id": str(pk),
        "attempt": attempt,
        "succeeded": result.succeeded,
        "status_code": result.status_code,
        "next_in_seconds": delay,
    }
