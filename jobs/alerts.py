"""Dead-letter alerts: one Slack-compatible webhook POST each time a queue crosses the threshold.

"Crossing" state lives in Redis (one key per dead-letter queue, set with NX so only one worker
sends), and is cleared when the queue is back at or below the threshold, which re-arms it.
A failed POST clears the state too, so the next dead letter tries again.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from core.config import get_settings
from core.redis import get_redis

log = logging.getLogger("clipforge.alerts")

ALERT_STATE_PREFIX = "clipforge:alerts:dead:"
"""`<prefix><dead queue>` is set while that queue is above the alert threshold (one alert)."""


async def rearm_alert(redis: Any, queue: str) -> None:
    """Forget that `queue` was alerted: its next crossing of the threshold alerts again."""
    await redis.delete(ALERT_STATE_PREFIX + queue)


def alert_text(queue: str, count: int, threshold: int, latest: str | None) -> str:
    base = get_settings().public_base_url.rstrip("/")
    text = (
        f":rotating_light: Clipforge: dead-letter queue `{queue}` holds {count} jobs "
        f"(alert threshold {threshold}). Jobs are failing after all their retries; "
        f"review and retry them at {base}/admin"
    )
    if latest:
        text += f"\nLatest: {latest}"
    return text


async def post_webhook(url: str, text: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            resp = await client.post(url, json={"text": text})
    except httpx.HTTPError as exc:
        log.warning("alert webhook unreachable: %s", exc)
        return False
    if resp.status_code >= 300:
        log.warning("alert webhook answered %s", resp.status_code)
        return False
    return True


async def check_dead_letter_queue(queue: str, count: int, latest: str | None = None) -> bool:
    """Alert if `queue` (holding `count` entries) just crossed the threshold; True if sent."""
    settings = get_settings()
    threshold = settings.dead_letter_alert_threshold
    redis = get_redis()
    key = ALERT_STATE_PREFIX + queue
    if count <= threshold:
        await rearm_alert(redis, queue)  # back at or below: the next crossing alerts
        return False
    if not settings.alert_webhook_url:
        return False
    if not await redis.set(key, str(count), nx=True):
        return False  # already alerted for this crossing
    text = alert_text(queue, count, threshold, latest)
    sent = await post_webhook(settings.alert_webhook_url, text)
    if not sent:
        await redis.delete(key)
    else:
        log.warning("dead-letter alert sent", extra={"fields": {"queue": queue, "count": count}})
    return sent
