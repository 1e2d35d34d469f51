"""retryUpload (charging again only after a refund) and deleteUpload (rows and every object)."""

from __future__ import annotations

from typing import Any

from core.storage import get_store
from orm import ledger
from orm.models import Clip, CreditTransaction, Transcript, Upload
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent
from tests.uploads.conftest import Media
from tests.uploads.ops import DELETE, RETRY, complete, create_and_put, queued_job, upload_pk


async def completed_upload(gql: Any, client: Any, token: str, files: Media) -> tuple[str, Upload]:
    upload_id = await create_and_put(gql, client, token, files.video)
    assert (await complete(gql, token, upload_id))["errors"] == []
    return upload_id, await Upload.get(id=upload_pk(upload_id))


async def fail(upload: Upload) -> None:
    """What the pipeline does when a job is dead-lettered."""
    await Upload.filter(id=upload.id).update(status=UploadStatus.FAILED, error="boom")


async def retry(gql: Any, token: str, upload_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql(RETRY, {"id": upload_id}, token=token))["data"][
        "retryUpload"
    ]
    return payload


async def test_retry_without_refund_does_not_charge(
    gql: Any, client: Any, make_user: Any, files: Media, redis: Any
) -> None:
    user, token = await make_user(minutes=5)
    upload_id, upload = await completed_upload(gql, client, token, files)
    busy = await retry(gql, token, upload_id)
    assert busy["errors"][0]["code"] == "NOT_RETRYABLE"
    await fail(upload)
    # The failed run finished: arq keeps its result under the job's stable id for a while.
    await redis.flushdb()
    await redis.set(f"arq:result:transcribe:{upload.id}", b"{}")
    again = await retry(gql, token, upload_id)
    assert again["errors"] == [] and again["upload"]["status"] == "QUEUED"
    assert await CreditTransaction.filter(upload_id=upload.id).count() == 1
    assert await assert_ledger_consistent(user.id) == 4
    keys = [k.decode() for k in await redis.keys("arq:job:*")]
    assert keys == [f"arq:job:transcribe:{upload.id}"]
    job = await queued_job(keys[0].removeprefix("arq:job:"))
    assert job.function == "transcribe" and tuple(job.args) == (str(upload.id),)
    assert (await Upload.get(id=upload.id)).error is None


async def test_retry_after_refund_charges_again(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    user, token = await make_user(minutes=1)
    upload_id, upload = await completed_upload(gql, client, token, files)
    await fail(upload)
    assert await ledger.refund_upload(upload.id, "transcribe dead-lettered")
    assert await assert_ledger_consistent(user.id) == 1
    again = await retry(gql, token, upload_id)
    assert again["errors"] == [] and again["upload"]["status"] == "QUEUED"
    kinds = [
        (t.kind, t.minutes)
        for t in await CreditTransaction.filter(upload_id=upload.id).order_by("created_at")
    ]
    assert kinds == [
        (CreditKind.UPLOAD_CHARGE, -1),
        (CreditKind.REFUND, 1),
        (CreditKind.UPLOAD_CHARGE, -1),
    ]
    assert await assert_ledger_consistent(user.id) == 0
    # Failed and refunded again with no credit left: the retry is refused, nothing changes.
    await fail(upload)
    assert await ledger.refund_upload(upload.id, "again")
    await ledger_spend_all(user.id)
    refused = await retry(gql, token, upload_id)
    assert refused["errors"][0]["code"] == "INSUFFICIENT_CREDITS"
    assert (await Upload.get(id=upload.id)).status == UploadStatus.FAILED
    assert await assert_ledger_consistent(user.id) == 0


async def ledger_spend_all(user_id: Any) -> None:
    """Use up the balance through another upload's charge."""
    from tortoise.transactions import in_transaction

    from orm.models import User
    from tests.credits.helpers import create_upload

    user = await User.get(id=user_id)
    other = await create_upload(user)
    async with in_transaction() as conn:
        await ledger.charge_upload(other, user.minutes_balance, conn)


async def test_delete_removes_rows_and_every_object_and_refunds_nothing(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    user, token = await make_user(minutes=5)
    upload_id, upload = await completed_upload(gql, client, token, files)
    store = get_store()
    # What later stages store under the upload's prefix.
    for key in ("audio.wav", "transcript/t.json", "clips/1/video.mp4", "clips/1/thumb.jpg"):
        await store.put_bytes(f"uploads/{upload.id}/{key}", b"x")
    transcript = await Transcript.create(
        upload=upload, language="en", text="hi", duration_seconds=3, json_key="a", srt_key="b",
        vtt_key="c",
    )  # fmt: skip
    clip = await Clip.create(
        upload=upload, rank=1, start_seconds=0, end_seconds=2, duration_seconds=2, score=50,
        title="t", reason="r", video_key="v", thumbnail_key="t", srt_key="s", vtt_key="v",
        ass_key="a",
    )  # fmt: skip
    other_id, other = await completed_upload(gql, client, token, files)

    body = await gql(DELETE, {"id": upload_id}, token=token)
    assert body["data"]["deleteUpload"] == {"deletedId": upload_id, "errors": []}
    assert await store.list_keys(f"uploads/{upload.id}/") == []
    assert not await Upload.filter(id=upload.id).exists()
    assert not await Transcript.filter(id=transcript.id).exists()
    assert not await Clip.filter(id=clip.id).exists()
    # The ledger keeps the charge (unlinked); the other upload is untouched.
    charge = await CreditTransaction.get(reference=f"upload:{upload.id}:charge:0")
    assert charge.upload_id is None
    assert await CreditTransaction.filter(kind=CreditKind.REFUND, user_id=user.id).count() == 0
    assert await assert_ledger_consistent(user.id) == 3
    assert await store.exists(other.storage_key)
    again = await gql(DELETE, {"id": upload_id}, token=token)
    assert again["data"]["deleteUpload"]["errors"][0]["code"] == "NOT_FOUND"
    assert other_id
