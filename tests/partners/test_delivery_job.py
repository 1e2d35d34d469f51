"""The delivery job: one attempt per job, the next one deferred on core.webhooks' schedule,
the same webhook-id every time; deleting the endpoint stops it; five days of failures
disable the endpoint with a reason the user reads. It never touches the upload."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.pipeline import Job, Latency, UploadStatus
from core.webhooks import RetrySchedule
from jobs import schedule
from jobs.outbox import lost_deliveries
from jobs.tasks import webhooks as delivery_task
from jobs.tasks.webhooks import deliver_webhook
from orm.lifecycle import move_upload
from orm.models import DeliveryState, Upload, User, Webhook, WebhookDelivery
from resolvers.viewer import Viewer
from resolvers.webhook_endpoints import create_webhook
from tests.credits.helpers import create_upload
from tests.partners.flow import configured, payloads, run_worker
from tests.pipeline.contract import operation
from tests.servers.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.usefixtures("allow_local", "redis")

WEBHOOK_STATE = """{ me { webhooks { id disabledAt disabledReason
  deliveries(first: 10) { edges { node { attempts succeeded statusCode error nextAttemptAt } } }
} } }"""


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> RetrySchedule:
    """The schedule's shape with tiny delays, so a burst worker runs every retry."""
    plan = RetrySchedule(delays=(0.05, 0.05, 0.05), jitter=0.0)
    monkeypatch.setattr(delivery_task, "retry_schedule", lambda: plan)
    return plan


async def subscribed(user: User, receiver: WebhookReceiver, events: list[str]) -> Webhook:
    hook, secret = await create_webhook(Viewer(user_id=user.id), receiver.url, events)
    receiver.secret = secret
    return hook


async def ready_event(user: User) -> list[Any]:
    upload = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    return await move_upload(upload, UploadStatus.READY)


async def ctx() -> dict[str, Any]:
    return {"redis": await schedule.get_pool(), "job_try": 1}


async def test_500_500_200_is_three_attempts_with_one_webhook_id(
    gql: Any, make_user: Any, receiver: WebhookReceiver, fast: RetrySchedule
) -> None:
    user, token = await make_user()
    hook = await subscribed(user, receiver, ["UPLOAD_READY"])
    receiver.plan.extend([500, 500, 200])
    [delivery_id] = await ready_event(user)
    await schedule.start_deliveries([delivery_id])

    worker = await run_worker()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (3, 0, 0)
    got = receiver.deliveries
    assert [d.answered for d in got] == [500, 500, 200]
    assert all(d.verified for d in got), [d.error for d in got]
    assert len({d.headers["webhook-id"] for d in got}) == 1
    assert got[0].body == got[1].body == got[2].body
    row = await WebhookDelivery.get(id=delivery_id)
    assert (row.state, row.attempts, row.status_code, row.last_error) == (
        DeliveryState.SUCCEEDED,
        3,
        200,
        None,
    )
    assert row.message_id == got[0].headers["webhook-id"]
    fresh = await Webhook.get(id=hook.id)
    assert fresh.failing_since is None and fresh.last_success_at is not None

    body = await gql(operation("Webhooks"), token=token)
    [node] = [e["node"] for e in body["data"]["me"]["webhooks"][0]["deliveries"]["edges"]]
    assert (node["attempts"], node["succeeded"], node["statusCode"]) == (3, True, 200)


async def test_a_failed_attempt_defers_the_next_on_the_schedule(
    make_user: Any, receiver: WebhookReceiver, redis: Any
) -> None:
    user, _ = await make_user()
    await subscribed(user, receiver, ["UPLOAD_READY"])
    receiver.plan.append(500)
    [delivery_id] = await ready_event(user)
    before_ms = time.time() * 1000

    result = await deliver_webhook(await ctx(), str(delivery_id), 1)
    assert result["succeeded"] is False and result["status_code"] == 500
    assert 4.0 <= result["next_in_seconds"] <= 6.0  # 5 s, +/- 20 % jitter
    ident = schedule.job_id(Job.DELIVER_WEBHOOK, delivery_id, 2)
    due_ms = await redis.zscore(Latency.INTERACTIVE.queue_name, ident)  # an interactive job
    assert due_ms is not None and 3900 <= due_ms - before_ms <= 6200
    row = await WebhookDelivery.get(id=delivery_id)
    assert (row.state, row.attempts, row.status_code, row.last_error) == (
        DeliveryState.PENDING,
        1,
        500,
        "HTTP 500",
    )
    assert row.response_excerpt == "try again" and row.next_attempt_at is not None
    assert await lost_deliveries(await schedule.get_pool()) == []  # its job is waiting

    # A duplicate of attempt 1 (arq delivers at least once) sends nothing.
    again = await deliver_webhook(await ctx(), str(delivery_id), 1)
    assert "skipped" in again and len(receiver.deliveries) == 1


async def test_delete_webhook_stops_deliveries(
    gql: Any, make_user: Any, receiver: WebhookReceiver
) -> None:
    user, token = await make_user()
    hook = await subscribed(user, receiver, ["UPLOAD_READY"])
    receiver.plan.append(500)
    [delivery_id] = await ready_event(user)
    await deliver_webhook(await ctx(), str(delivery_id), 1)
    assert len(receiver.deliveries) == 1

    deleted = await gql(operation("DeleteWebhook"), {"id": _gid(hook)}, token=token)
    assert deleted["data"]["deleteWebhook"]["errors"] == []
    assert await WebhookDelivery.filter(id=delivery_id).count() == 0
    skipped = await deliver_webhook(await ctx(), str(delivery_id), 2)  # the deferred attempt
    assert "skipped" in skipped
    assert await ready_event(user) == []  # nothing is recorded for it any more
    assert len(receiver.deliveries) == 1


def _gid(hook: Webhook) -> str:
    from tests.factories import gid

    return gid("Webhook", hook.id)


async def test_an_endpoint_failing_for_five_days_is_disabled_with_a_reason(
    gql: Any, make_user: Any, receiver: WebhookReceiver
) -> None:
    user, token = await make_user()
    hook = await subscribed(user, receiver, ["UPLOAD_READY"])
    since = datetime.now(UTC) - timedelta(days=5, minutes=1)
    await Webhook.filter(id=hook.id).update(failing_since=since)
    receiver.plan.append(503)
    [first] = await ready_event(user)
    [second] = await ready_event(user)

    result = await deliver_webhook(await ctx(), str(first), 1)
    assert result["next_in_seconds"] is None
    disabled = await Webhook.get(id=hook.id)
    assert disabled.disabled_at is not None and disabled.failing_since == since
    assert disabled.disabled_reason and "HTTP 503" in disabled.disabled_reason
    assert (await WebhookDelivery.get(id=first)).state == DeliveryState.FAILED

    # A pending delivery of a disabled endpoint fails unsent; new events are not recorded.
    await deliver_webhook(await ctx(), str(second), 1)
    row = await WebhookDelivery.get(id=second)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 0)
    assert row.last_error == "not sent: the endpoint is disabled"
    assert await ready_event(user) == []
    assert len(receiver.deliveries) == 1

    body = await gql(WEBHOOK_STATE, token=token)
    [seen] = body["data"]["me"]["webhooks"]
    assert seen["disabledAt"] and "every delivery since" in seen["disabledReason"]
    errors = [e["node"]["error"] for e in seen["deliveries"]["edges"]]
    assert "not sent: the endpoint is disabled" in errors and "HTTP 503" in errors


async def test_a_delivery_gives_up_after_its_last_attempt(
    make_user: Any, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = RetrySchedule(delays=(0.05,), jitter=0.0)  # two attempts in all
    monkeypatch.setattr(delivery_task, "retry_schedule", lambda: plan)
    user, _ = await make_user()
    hook = await subscribed(user, receiver, ["UPLOAD_READY"])
    receiver.plan.extend([500, 500, 200])
    [delivery_id] = await ready_event(user)
    await schedule.start_deliveries([delivery_id])
    worker = await run_worker()
    assert worker.jobs_complete == 2 and len(receiver.deliveries) == 2
    row = await WebhookDelivery.get(id=delivery_id)
    assert (row.state, row.attempts, row.next_attempt_at) == (DeliveryState.FAILED, 2, None)
    assert (await Webhook.get(id=hook.id)).failing_since is not None
    assert (await Webhook.get(id=hook.id)).disabled_at is None  # one day is not five


async def test_deliveries_never_touch_the_upload_and_sign_after_a_key_rotation(
    make_user: Any, receiver: WebhookReceiver, settings: Any
) -> None:
    user, _ = await make_user()
    await subscribed(user, receiver, ["UPLOAD_READY"])
    receiver.plan.append(500)
    upload = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    [delivery_id] = await move_upload(upload, UploadStatus.READY)
    old = settings.secret_key
    with configured(secret_key="rotated-" + "x" * 32, secret_key_previous=old):
        await deliver_webhook(await ctx(), str(delivery_id), 1)
        await deliver_webhook(await ctx(), str(delivery_id), 2)
    assert [d.verified for d in receiver.deliveries] == [True, True]
    assert (await Upload.get(id=upload.id)).status == UploadStatus.READY
    assert json.loads(receiver.deliveries[1].body)["data"]["upload"]["status"] == "READY"
    assert payloads(receiver)[0] == payloads(receiver)[1]


async def test_a_secret_that_no_longer_opens_disables_the_endpoint_unsent(
    make_user: Any, receiver: WebhookReceiver
) -> None:
    user, _ = await make_user()
    hook = await subscribed(user, receiver, ["UPLOAD_READY"])
    [delivery_id] = await ready_event(user)
    with configured(secret_key="another-" + "y" * 32):  # rotated, the old one forgotten
        await deliver_webhook(await ctx(), str(delivery_id), 1)
    assert receiver.deliveries == []
    fresh = await Webhook.get(id=hook.id)
    assert fresh.disabled_at is not None and "server secret" in (fresh.disabled_reason or "")
    assert (await WebhookDelivery.get(id=delivery_id)).state == DeliveryState.FAILED
