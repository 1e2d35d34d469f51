"""Charge by the real duration (issue 15, finding 4), tested with the MP3 trick: 3 s at 320
kbit/s then 300 s at 8 kbit/s, which ffprobe estimates at about 10.5 s from the first frames'
bitrate. completeUpload counts the packets of such formats; the transcribe stage decodes the
audio and charges what the charge lacks, or fails with INSUFFICIENT_CREDITS (refunded)."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from core.config import Settings
from core.probe import probe
from core.storage import get_store
from orm.ledger import charge_upload
from orm.models import CreditTransaction, DeadLetter, Transcript, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent
from tests.factories import gid
from tests.uploads.ops import RETRY, complete, create, put, upload_pk


def _mp3(dest: Path, seconds: int, rate: int, bitrate: str, tone: int) -> Path:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={tone}:duration={seconds}", "-ar", str(rate),
         "-c:a", "libmp3lame", "-b:a", bitrate, "-write_xing", "0", str(dest)],
        check=True, timeout=120,
    )  # fmt: skip
    return dest


@pytest.fixture(scope="module")
def trick_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s at 320 kbit/s, then 300 s at 8 kbit/s, no Xing header: one 303 s MP3."""
    tmp = tmp_path_factory.mktemp("trick")
    loud = _mp3(tmp / "a.mp3", 3, 44100, "320k", 440)
    quiet = _mp3(tmp / "b.mp3", 300, 8000, "8k", 300)
    trick = tmp / "trick.mp3"
    trick.write_bytes(loud.read_bytes() + quiet.read_bytes())
    return trick


async def test_ffprobe_alone_is_fooled_by_the_trick(trick_mp3: Path) -> None:
    from jobs.media.duration import decoded_seconds

    assert (await probe(trick_mp3)).duration < 15  # what was charged before
    assert 302 < await decoded_seconds(trick_mp3) < 304


async def test_complete_upload_charges_the_counted_duration(
    gql: Any, client: Any, make_user: Any, trick_mp3: Path
) -> None:
    user, token = await make_user(minutes=30)
    data = await asyncio.to_thread(trick_mp3.read_bytes)
    created = await create(
        gql, token, size=len(data), filename="episode.mp3", content_type="audio/mpeg"
    )
    assert (await put(client, created["target"], data)).status_code == 200
    done = await complete(gql, token, created["upload"]["id"])
    assert done["errors"] == [], done
    assert 302 < done["upload"]["durationSeconds"] < 304
    charges = await CreditTransaction.filter(
        upload_id=upload_pk(created["upload"]["id"]), kind=CreditKind.UPLOAD_CHARGE
    )
    assert [c.minutes for c in charges] == [-6]
    assert await assert_ledger_consistent(user.id) == 24


async def fooled_upload(user: User, original: Path, charged: float) -> Upload:
    """A QUEUED upload charged for `charged` seconds whose original is really longer."""
    upload_id = uuid.uuid4()
    key = f"uploads/{upload_id}/original.mp3"
    await get_store().put_file(key, original, "audio/mpeg")
    upload = await Upload.create(
        id=upload_id,
        user=user,
        filename="episode.mp3",
        content_type="audio/mpeg",
        size_bytes=(await asyncio.to_thread(original.stat)).st_size,
        storage_key=key,
        status=UploadStatus.QUEUED,
        duration_seconds=charged,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    async with in_transaction() as conn:
        await charge_upload(upload, 1, conn)
    return upload


async def test_the_transcribe_stage_charges_the_difference(
    make_user: Any, trick_mp3: Path, settings: Settings, tmp_path: Path
) -> None:
    from jobs.pipeline.billing import settle_duration

    user, _ = await make_user(minutes=30)
    upload = await fooled_upload(user, trick_mp3, charged=10.5)
    assert await assert_ledger_consistent(user.id) == 29
    seconds = await settle_duration(upload, trick_mp3, settings)
    assert 302 < seconds < 304
    charges = await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.UPLOAD_CHARGE)
    assert sorted(c.minutes for c in charges) == [-5, -1]  # the difference, in one row
    assert await assert_ledger_consistent(user.id) == 24
    await upload.refresh_from_db()
    assert upload.duration_seconds is not None and 302 < upload.duration_seconds < 304
    # Settling again (a retried job) charges nothing more.
    await settle_duration(upload, trick_mp3, settings)
    assert await assert_ledger_consistent(user.id) == 24


async def test_a_balance_that_cannot_cover_it_fails_the_upload_refunded(
    gql: Any, make_user: Any, trick_mp3: Path, redis: Any
) -> None:
    from jobs.policy import JobDeadLettered, wrap
    from jobs.schedule import get_pool
    from jobs.tasks import TASKS

    user, token = await make_user(minutes=3)
    upload = await fooled_upload(user, trick_mp3, charged=10.5)
    transcribe = wrap(next(t for t in TASKS if t.name == "transcribe"))
    ctx = {"job_try": 1, "job_id": f"transcribe:{upload.id}", "redis": await get_pool()}
    with pytest.raises(JobDeadLettered):
        await transcribe(ctx, str(upload.id))
    await upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.error is not None and "refunded" in upload.error
    (letter,) = await DeadLetter.filter(upload_id=upload.id)
    assert "INSUFFICIENT_CREDITS" in letter.error
    assert not await Transcript.exists(upload_id=upload.id)  # never processed for free
    refunds = await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.REFUND)
    assert [r.minutes for r in refunds] == [1]
    assert await assert_ledger_consistent(user.id) == 3
    # A retry now asks for the real price.
    body = await gql(RETRY, {"id": gid("Upload", upload.id)}, token=token)
    (error,) = body["data"]["retryUpload"]["errors"]
    assert error["code"] == "INSUFFICIENT_CREDITS" and "6 minutes" in error["message"]


async def test_refunds_cover_a_top_up_too(
    make_user: Any, trick_mp3: Path, settings: Settings
) -> None:
    from jobs.pipeline.billing import settle_duration
    from orm import ledger
    from orm.lifecycle import move_upload

    user, _ = await make_user(minutes=30)
    upload = await fooled_upload(user, trick_mp3, charged=10.5)
    await settle_duration(upload, trick_mp3, settings)
    await move_upload(upload, UploadStatus.TRANSCRIBING)
    await move_upload(upload, UploadStatus.FAILED, error="boom")
    assert await ledger.refund_upload(upload.id, "failed")
    assert await ledger.refund_upload(upload.id, "again") is False
    assert await assert_ledger_consistent(user.id) == 30
