"""The outbox: a webhook event is written in the transaction that makes an upload or an
export READY or FAILED, so a crash can neither lose a delivery nor invent one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from tortoise.transactions import in_transaction

from core.pipeline import ExportStatus, UploadStatus
from jobs import reconcile, schedule
from jobs.outbox import lost_deliveries
from orm.lifecycle import MoveRefused, move_export, move_upload
from orm.models import Clip, DeliveryState, Export, Upload, User, Webhook, WebhookDelivery
from orm.models.enums import AspectRatio
from resolvers.viewer import Viewer
from resolvers.webhook_endpoints import create_webhook
from tests.credits.helpers import create_upload
from tests.factories import create_user, gid
from tests.partners.flow import payloads, run_worker
from tests.servers.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.usefixtures("allow_local", "redis")

HOOK = "https://127.0.0.1:8443/hooks"


async def endpoint(user: User, events: list[str], url: str = HOOK) -> tuple[Webhook, str]:
    return await create_webhook(Viewer(user_id=user.id), url, events)


async def clip_of(upload: Upload) -> Clip:
    return await Clip.create(
        upload=upload,
        rank=1,
        start_seconds=1.5,
        end_seconds=21.5,
        duration_seconds=20.0,
        score=87.0,
        title="The hook",
        reason="r",
        video_key=f"uploads/{upload.id}/clips/1/clip.mp4",
        thumbnail_key=f"uploads/{upload.id}/clips/1/thumb.jpg",
        srt_key="x.srt",
        vtt_key="x.vtt",
        ass_key="x.ass",
    )


async def test_terminal_moves_record_one_delivery_per_enabled_endpoint_that_asked(
    make_user: Any,
) -> None:
    user, _ = await make_user()
    ready_hook, _ = await endpoint(user, ["UPLOAD_READY"])
    failed_hook, _ = await endpoint(user, ["UPLOAD_FAILED", "EXPORT_FAILED"])
    export_hook, _ = await endpoint(user, ["EXPORT_READY"])
    disabled, _ = await endpoint(user, ["UPLOAD_READY"])
    await Webhook.filter(id=disabled.id).update(disabled_at=datetime.now(UTC))
    stranger, _ = await make_user()
    await endpoint(stranger, ["UPLOAD_READY", "UPLOAD_FAILED"])

    upload = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    clip = await clip_of(upload)
    recorded = await move_upload(upload, UploadStatus.READY)
    [row] = await WebhookDelivery.filter(id__in=recorded)
    assert (row.webhook_id, row.event_type, row.subject_id) == (
        ready_hook.id,
        "UPLOAD_READY",
        upload.id,
    )
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 0)
    assert row.message_id.startswith("msg_") and row.next_attempt_at is not None
    body = json.loads(row.body)
    assert body["type"] == "upload.ready" and body["timestamp"].endswith("Z")
    sent = body["data"]["upload"]
    assert (sent["id"], sent["status"], sent["durationSeconds"]) == (
        gid("Upload", upload.id),
        "READY",
        30.0,
    )
    [sent_clip] = sent["clips"]
    assert sent_clip["id"] == gid("Clip", clip.id)
    assert (sent_clip["startSeconds"], sent_clip["endSeconds"], sent_clip["score"]) == (
        1.5,
        21.5,
        87.0,
    )
    assert sent_clip["title"] == "The hook" and "clip.mp4" in sent_clip["videoUrl"]

    # Staying READY is allowed and records nothing; a refused move records nothing either.
    assert await move_upload(upload, UploadStatus.READY) == []
    with pytest.raises(MoveRefused):
        await move_upload(upload, UploadStatus.FAILED, error="late")
    assert await WebhookDelivery.filter(subject_id=upload.id).count() == 1

    broken = await create_upload(user, status=UploadStatus.TRANSCRIBING, duration=30.0)
    recorded = await move_upload(
        broken, UploadStatus.FAILED, error="No speech found.", error_code="NO_SPEECH"
    )
    [failed] = await WebhookDelivery.filter(id__in=recorded)
    assert failed.webhook_id == failed_hook.id
    error = json.loads(failed.body)["data"]["upload"]["error"]
    assert error == {"code": "NO_SPEECH", "message": "No speech found."}

    export = await Export.create(
        user=user, clip=clip, aspect_ratio=AspectRatio.VERTICAL_9_16, status=ExportStatus.RENDERING
    )
    recorded = await move_export(export, ExportStatus.READY, key=f"uploads/{upload.id}/e.mp4")
    [rendered] = await WebhookDelivery.filter(id__in=recorded)
    data = json.loads(rendered.body)["data"]["export"]
    assert rendered.webhook_id == export_hook.id and rendered.event_type == "EXPORT_READY"
    assert (data["id"], data["clipId"], data["uploadId"]) == (
        gid("Export", export.id),
        gid("Clip", clip.id),
        gid("Upload", upload.id),
    )
    assert "e.mp4" in data["url"] and data["aspectRatio"] == "VERTICAL_9_16"
    assert await WebhookDelivery.filter(webhook__user_id=stranger.id).count() == 0


async def test_a_transaction_killed_after_the_status_move_leaves_neither(
    make_user: Any, settings: Any
) -> None:
    """The crash between the two writes: the status move and its event are one commit."""
    user, _ = await make_user()
    await endpoint(user, ["UPLOAD_READY"])
    upload = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    outside = await asyncpg.connect(settings.database_url)
    try:
        with pytest.raises(Exception):  # noqa: B017 (whatever the dead connection raises)
            async with in_transaction() as conn:
                recorded = await move_upload(upload, UploadStatus.READY, conn=conn)
                assert len(recorded) == 1  # written, in the transaction
                rows = await conn.execute_query_dict("SELECT pg_backend_pid() AS pid")
                seen = await outside.fetchval(
                    "SELECT count(*) FROM webhook_deliveries WHERE subject_id = $1", upload.id
                )
                assert seen == 0  # nobody else sees it before the commit
                await outside.execute("SELECT pg_terminate_backend($1)", rows[0]["pid"])
    finally:
        await outside.close()
    assert (await Upload.get(id=upload.id)).status == UploadStatus.CAPTIONING
    assert await WebhookDelivery.filter(subject_id=upload.id).count() == 0  # nothing invented

    # The job runs again (arq delivers at least once): now it commits, with one event.
    assert len(await move_upload(upload, UploadStatus.READY)) == 1
    assert await WebhookDelivery.filter(subject_id=upload.id).count() == 1


async def test_an_event_whose_job_was_lost_is_found_and_sent_once(
    make_user: Any, receiver: WebhookReceiver, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash after the commit, before the job was queued (or Redis lost it): the
    reconciler's pass (here with only the deliveries' expectation) starts it again."""
    name = "webhook deliveries"
    monkeypatch.setattr(reconcile, "EXPECTATIONS", {name: reconcile.EXPECTATIONS[name]})
    await WebhookDelivery.filter(state=DeliveryState.PENDING).delete()  # earlier tests' rows
    user, _ = await make_user()
    _, secret = await endpoint(user, ["UPLOAD_READY"], receiver.url)
    receiver.secret = secret
    upload = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    [delivery_id] = await move_upload(upload, UploadStatus.READY)  # committed; never started
    later = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    [not_due] = await move_upload(later, UploadStatus.READY)
    await WebhookDelivery.filter(id=not_due).update(
        next_attempt_at=datetime.now(UTC) + timedelta(hours=1)  # a retry waiting its turn
    )

    pool = await schedule.get_pool()
    lost = await lost_deliveries(pool)
    assert [(d.delivery_id, d.attempt) for d in lost] == [(delivery_id, 1)]
    restarted = await reconcile.reconcile_once(pool)
    assert [(r.kind, r.subject_id) for r in restarted] == [(name, str(delivery_id))]
    assert await lost_deliveries(pool) == []  # queued now: not lost any more
    assert await reconcile.reconcile_once(pool) == []

    worker = await run_worker()
    assert worker.jobs_complete == 1
    [event] = payloads(receiver)
    assert receiver.deliveries[0].verified and event["type"] == "upload.ready"
    assert (await WebhookDelivery.get(id=delivery_id)).state == DeliveryState.SUCCEEDED
    assert await reconcile.reconcile_once(pool) == []
    assert len(receiver.deliveries) == 1


async def test_a_pipeline_run_that_ends_failed_delivers_exactly_one_upload_failed(
    make_user: Any, receiver: WebhookReceiver
) -> None:
    """Transcribe finds no original (a permanent failure): dead letter, FAILED, one event."""
    user, _ = await make_user()
    _, secret = await endpoint(user, ["UPLOAD_READY", "UPLOAD_FAILED"], receiver.url)
    receiver.secret = secret
    upload = await create_upload(user, status=UploadStatus.QUEUED, duration=30.0)
    await schedule.start_transcribe(upload.id)

    worker = await run_worker()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 1)  # the webhook; transcribe
    failed = await Upload.get(id=upload.id)
    assert failed.status == UploadStatus.FAILED and failed.error
    [event] = payloads(receiver)
    assert receiver.deliveries[0].verified
    assert event["type"] == "upload.failed"
    assert event["data"]["upload"]["error"]["message"] == failed.error
    assert await WebhookDelivery.filter(subject_id=upload.id).count() == 1


async def test_a_user_without_endpoints_gets_no_rows(make_user: Any) -> None:
    user, _ = await make_user()
    upload = await create_upload(user, status=UploadStatus.CAPTIONING, duration=30.0)
    assert await move_upload(upload, UploadStatus.READY) == []
    other = await create_user()
    assert await WebhookDelivery.filter(webhook__user_id__in=[user.id, other[0].id]).count() == 0
    assert uuid.UUID(str(upload.id))
