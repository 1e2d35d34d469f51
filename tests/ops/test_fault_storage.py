"""Fault: the S3 store (SeaweedFS) goes away before the clip job runs: the job is retried per
the table (tiny back-offs here), then dead-lettered; the upload FAILED with a readable
message and its minutes refunded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from core.config import Settings
from jobs.schedule import get_pool
from orm.ledger import charge_upload, ledger_sum
from orm.models import CreditTransaction, DeadLetter, Transcript, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.factories import create_user
from tests.media.fixtures_media import make_talk
from tests.ops.helpers import EventTap, overridden, run_burst
from tests.pipeline.conftest import Talk, make_upload
from tests.servers.seaweed import seaweed_server

pytestmark = pytest.mark.usefixtures("db")
SENTENCES = (
    "Storage outages happen, and a good service survives them.",
    "The worker retries, then tells the operator, then refunds the creator.",
)


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    video, onsets = make_talk(tmp_path_factory.mktemp("storage-talk"), SENTENCES, silence=0.8)
    return Talk(video=Path(video), onsets=onsets, sentences=SENTENCES)


async def test_clip_job_with_storage_down_is_retried_then_dead_lettered(
    settings: Settings, redis: Any, talk: Talk, tmp_path: Path
) -> None:
    from core.storage.factory import close_store
    from jobs.tasks import TASKS
    from jobs.tasks.transcribe import transcribe

    user, _ = await create_user(minutes=10)
    with seaweed_server(tmp_path / "seaweed") as s3:
        s3_settings = s3.settings("faults")
        with overridden(**s3_settings):
            upload = await make_upload(user, talk)
            async with in_transaction() as conn:
                await charge_upload(upload, 2, conn)
            await transcribe({"redis": await get_pool(), "job_try": 1}, str(upload.id))
    # SeaweedFS is stopped; the clip job the transcribe stage queued meets no storage.
    assert await Transcript.exists(upload_id=upload.id)
    assert await redis.exists(f"arq:job:clip:{upload.id}")
    assert (await User.get(id=user.id)).minutes_balance == 8

    clip_task = next(t for t in TASKS if t.name == "clip")
    try:
        with overridden(**s3_settings, retry_delays={"clip": [1, 1]}, clip_count=1):
            async with EventTap(redis, user.id) as tap:
                worker = await run_burst([clip_task])
                events = await tap.drain()
    finally:
        await close_store()

    assert (worker.jobs_retried, worker.jobs_failed) == (2, 1)
    (row,) = await DeadLetter.filter(upload_id=upload.id)
    assert (row.queue, row.job_name, row.attempts) == ("clip_dead", "clip", 3)
    assert row.job_id == f"clip:{upload.id}"
    assert "TransientError" in row.error
    assert row.job_args == {"args": [str(upload.id)], "kwargs": {}}
    assert await redis.llen("clip_dead") == 1

    fresh = await Upload.get(id=upload.id)
    assert fresh.status == UploadStatus.FAILED
    assert fresh.error and "Storage" in fresh.error and "Traceback" not in fresh.error
    refunds = await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.REFUND)
    assert [r.minutes for r in refunds] == [2]
    assert (await User.get(id=user.id)).minutes_balance == 10 == await ledger_sum(user.id)

    ours = [(e["stage"], e["status"]) for e in events if e["status"] in ("RETRYING", "FAILED")]
    assert ours == [("CLIP", "RETRYING"), ("CLIP", "RETRYING"), ("CLIP", "FAILED")]
