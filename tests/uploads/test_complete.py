"""completeUpload on real media: checks, one charge, QUEUED, transcribe enqueued; every bad
case gets its code and leaves the ledger and storage as they were."""

from __future__ import annotations

from typing import Any

from arq.jobs import Job

from core.config import Settings
from core.storage import get_store
from jobs.serialization import deserialize
from orm.models import CreditTransaction, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent
from tests.factories import gid
from tests.uploads.conftest import Media
from tests.uploads.ops import (
    DETAIL,
    complete,
    create,
    create_and_put,
    put,
    queued_job,
    upload_pk,
)


async def test_complete_charges_once_and_queues_transcribe(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    user, token = await make_user(minutes=30)
    upload_id = await create_and_put(gql, client, token, files.video)
    done = await complete(gql, token, upload_id)
    assert done["errors"] == []
    assert done["upload"]["status"] == "QUEUED"
    assert 2.5 < done["upload"]["durationSeconds"] < 3.5
    pk = upload_pk(upload_id)
    charge = await CreditTransaction.get(upload_id=pk)
    assert (charge.kind, charge.minutes, charge.balance_after) == (CreditKind.UPLOAD_CHARGE, -1, 29)
    assert charge.reference == f"upload:{pk}:charge:0"
    job = await queued_job(f"transcribe:{pk}")
    assert job is not None and job.function == "transcribe" and tuple(job.args) == (str(pk),)
    # Again (a client retrying): same answer, no second charge, still one job.
    again = await complete(gql, token, upload_id)
    assert again["errors"] == [] and again["upload"]["status"] == "QUEUED"
    assert await CreditTransaction.filter(upload_id=pk).count() == 1
    assert await assert_ledger_consistent(user.id) == 29


async def test_audio_only_files_are_accepted(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    _, token = await make_user(minutes=3)
    upload_id = await create_and_put(
        gql, client, token, files.audio, filename="voice.m4a", content_type="audio/mp4"
    )
    done = await complete(gql, token, upload_id)
    assert done["errors"] == [] and done["upload"]["status"] == "QUEUED"


async def assert_untouched(
    user_id: Any, upload_id: str, balance: int, *, object_kept: bool
) -> None:
    """No charge, status still AWAITING_UPLOAD, the object kept or removed as expected."""
    pk = upload_pk(upload_id)
    upload = await Upload.get(id=pk)
    assert upload.status == UploadStatus.AWAITING_UPLOAD
    assert await CreditTransaction.filter(upload_id=pk).count() == 0
    assert await assert_ledger_consistent(user_id) == balance
    keys = await get_store().list_keys(f"uploads/{pk}/")
    assert keys == ([upload.storage_key] if object_kept else [])
    assert await queued_job(f"transcribe:{pk}") is None


async def test_each_bad_upload_gets_its_code(
    gql: Any, client: Any, make_user: Any, files: Media, settings: Settings, monkeypatch: Any
) -> None:
    user, token = await make_user(minutes=30)

    missing = (await create(gql, token, size=1000))["upload"]["id"]
    result = await complete(gql, token, missing)
    assert [e["code"] for e in result["errors"]] == ["UPLOAD_MISSING"]
    await assert_untouched(user.id, missing, 30, object_kept=False)

    size = files.video.stat().st_size
    mismatch = await create_and_put(gql, client, token, files.video, size=size + 1)
    result = await complete(gql, token, mismatch)
    assert [e["code"] for e in result["errors"]] == ["SIZE_MISMATCH"]
    await assert_untouched(user.id, mismatch, 30, object_kept=False)

    garbage = await create_and_put(gql, client, token, files.garbage)
    result = await complete(gql, token, garbage)
    assert [e["code"] for e in result["errors"]] == ["INVALID_MEDIA"]
    await assert_untouched(user.id, garbage, 30, object_kept=False)
    detail = await gql(DETAIL, {"id": garbage}, token=token)
    assert "not a video or audio file" in detail["data"]["upload"]["error"]

    silent = await create_and_put(gql, client, token, files.silent)
    result = await complete(gql, token, silent)
    assert [e["code"] for e in result["errors"]] == ["NO_AUDIO_TRACK"]
    await assert_untouched(user.id, silent, 30, object_kept=False)

    monkeypatch.setattr(settings, "max_duration_seconds", 2)
    too_long = await create_and_put(gql, client, token, files.video)
    result = await complete(gql, token, too_long)
    assert [e["code"] for e in result["errors"]] == ["TOO_LONG"]
    await assert_untouched(user.id, too_long, 30, object_kept=False)


async def test_a_rejected_upload_can_be_sent_again(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    """The URL still works after a refusal: PUT the right file, complete, charged once."""
    user, token = await make_user(minutes=5)
    data = files.video.read_bytes()
    created = await create(gql, token, size=len(data))
    upload_id = created["upload"]["id"]
    await put(client, created["target"], b"\0" * len(data))
    assert (await complete(gql, token, upload_id))["errors"][0]["code"] == "INVALID_MEDIA"
    await put(client, created["target"], data)
    done = await complete(gql, token, upload_id)
    assert done["errors"] == [] and done["upload"]["status"] == "QUEUED"
    detail = await gql(DETAIL, {"id": upload_id}, token=token)
    assert detail["data"]["upload"]["error"] is None
    assert await assert_ledger_consistent(user.id) == 4


async def test_insufficient_credits_keeps_the_file_for_later(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    from orm import ledger

    user, token = await make_user(minutes=0)
    upload_id = await create_and_put(gql, client, token, files.video)
    result = await complete(gql, token, upload_id)
    assert result["upload"] is None
    error = result["errors"][0]
    assert error["code"] == "INSUFFICIENT_CREDITS"
    assert "1 minutes" in error["message"]
    await assert_untouched(user.id, upload_id, 0, object_kept=True)
    await ledger.grant(user.id, 10, f"test:{user.id}")
    done = await complete(gql, token, upload_id)
    assert done["upload"]["status"] == "QUEUED"
    assert await assert_ledger_consistent(user.id) == 9


async def test_foreign_ids_read_exactly_like_missing_ones(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    import uuid

    owner, owner_token = await make_user(minutes=10)
    upload_id = await create_and_put(gql, client, owner_token, files.video)
    _, stranger = await make_user(minutes=10)
    nowhere = gid("Upload", uuid.uuid4())
    from tests.uploads.ops import DELETE, RETRY

    for op, name in [(None, "completeUpload"), (RETRY, "retryUpload"), (DELETE, "deleteUpload")]:
        answers = []
        for target in (upload_id, nowhere):
            if op is None:
                answers.append((await complete(gql, stranger, target))["errors"])
            else:
                answers.append(
                    (await gql(op, {"id": target}, token=stranger))["data"][name]["errors"]
                )
        assert (
            answers[0]
            == answers[1]
            == [{"code": "NOT_FOUND", "field": "id", "message": "No upload with that id."}]
        ), name
    assert (await User.get(id=owner.id)).minutes_balance == 10
    assert (await Upload.get(id=upload_pk(upload_id))).status == UploadStatus.AWAITING_UPLOAD
    bad = await complete(gql, stranger, "not-an-id")
    assert bad["errors"][0]["code"] == "INVALID_ID"


async def test_a_queue_outage_answers_service_unavailable_and_keeps_the_charge(
    gql: Any,
    client: Any,
    make_user: Any,
    files: Media,
    settings: Settings,
    tmp_path: Any,
    monkeypatch: Any,
) -> None:
    """Redis down while the transcribe job is enqueued: the one outage code, SERVICE_UNAVAILABLE,
    with a message saying the upload is kept; completing again once Redis is back starts it."""
    from core.embedded import free_port
    from jobs import schedule
    from tests.ops.processes import RedisServer

    user, token = await make_user(minutes=10)
    upload_id = await create_and_put(gql, client, token, files.video)
    redis = RedisServer(tmp_path / "redis", free_port())
    monkeypatch.setattr(settings, "redis_url", redis.url)
    try:
        redis.start()
        pool = await schedule.get_pool()  # connected, then its server goes away
        redis.stop()
        result = await complete(gql, token, upload_id)
        assert result["upload"] is None
        [error] = result["errors"]
        assert error["code"] == "SERVICE_UNAVAILABLE" and "saved and paid for" in error["message"]
        upload = await Upload.get(id=upload_pk(upload_id))
        assert upload.status == UploadStatus.QUEUED
        assert await assert_ledger_consistent(user.id) == 9  # charged once, kept

        redis.start()
        done = await complete(gql, token, upload_id)
        assert done["errors"] == [] and done["upload"]["status"] == "QUEUED"
        assert await assert_ledger_consistent(user.id) == 9
        pk = upload_pk(upload_id)
        job = await Job(f"transcribe:{pk}", pool, _deserializer=deserialize).info()
        assert job is not None and job.function == "transcribe"
    finally:
        redis.stop()
        if (left := schedule._pools.pop(redis.url, None)) is not None:
            await left.aclose()
