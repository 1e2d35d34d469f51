"""Crash safety: workers killed with SIGKILL mid-transcribe and mid-clip; the upload still
ends READY with exactly one set of results and exactly one charge. A dead worker's job is
taken over once its lease lapses (seconds here, 30 s by default), whatever its timeout; a
long transcription in chunks loses only the chunk that was running."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from core.config import Settings
from core.storage import get_store
from orm.ledger import charge_upload, ledger_sum
from orm.models import (
    Clip,
    CreditTransaction,
    DeadLetter,
    Transcript,
    TranscriptChunk,
    Upload,
    User,
)
from orm.models.enums import CreditKind, UploadStatus
from tests.factories import create_user
from tests.media.fixtures_media import make_talk
from tests.ops.processes import Proc, service_env, wait_until
from tests.pipeline.conftest import Talk, make_upload

pytestmark = pytest.mark.usefixtures("db")

SENTENCES = (
    "What would you do with three extra hours every week?",
    "Most people waste them scrolling, and that is a real shame.",
    "Start with one small habit today and keep it for a month.",
    "Write down what you did each evening, it takes a minute.",
)
CLIPS = 2


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    video, onsets = make_talk(tmp_path_factory.mktemp("crash-talk"), SENTENCES, silence=0.8)
    return Talk(video=Path(video), onsets=onsets, sentences=SENTENCES)


async def status_is(upload_id: Any, *statuses: UploadStatus) -> bool:
    upload = await Upload.get(id=upload_id)
    return upload.status in statuses


def tries_logged(proc: Proc, job: str, upload_id: Any) -> list[int]:
    """The `try` of each "job started" line the worker logged for `job` of this upload (the
    reconciler may also start work left in the shared test database by other tests)."""
    tries = []
    for line in proc.output().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") != "job started" or entry.get("job") != job:
            continue
        if entry.get("job_id", "").startswith(f"{job}:{upload_id}"):
            tries.append(int(entry["try"]))
    return tries


async def test_sigkill_mid_transcribe_and_mid_clip(
    settings: Settings, redis: Any, procs: list[Proc], talk: Talk, tmp_path: Path
) -> None:
    from jobs.schedule import start

    user, _ = await create_user(minutes=10)
    upload = await make_upload(user, talk)
    async with in_transaction() as conn:
        await charge_upload(upload, 1, conn)
    env = lease_env(settings)
    assert await start("transcribe", upload.id)

    first = Proc(["worker"], env, tmp_path / "first.log")
    procs.append(first)
    await wait_until(lambda: status_is(upload.id, UploadStatus.TRANSCRIBING), within=120)
    first.signal(signal.SIGKILL)
    assert await first.wait(30) == -signal.SIGKILL
    assert not await Transcript.exists(upload_id=upload.id)  # killed before it finished

    # The job's lease lapses (3 s here) and the new worker takes it over: its 20-minute
    # timeout does not matter.
    second = Proc(["worker"], env, tmp_path / "second.log")
    procs.append(second)
    await wait_until(lambda: status_is(upload.id, UploadStatus.CLIPPING), within=60)
    second.signal(signal.SIGKILL)
    assert await second.wait(30) == -signal.SIGKILL
    assert tries_logged(second, "transcribe", upload.id) == [2]

    third = Proc(["worker"], env, tmp_path / "third.log")
    procs.append(third)
    await wait_until(
        lambda: status_is(upload.id, UploadStatus.READY, UploadStatus.FAILED), within=60
    )
    third.signal(signal.SIGTERM)
    assert await third.wait(60) == 0
    assert tries_logged(third, "clip", upload.id) == [2]

    await assert_one_set_of_results(upload.id, user.id)


def lease_env(settings: Settings, **extra: str) -> dict[str, str]:
    return service_env(
        settings,
        CLIPFORGE_LEASE_SECONDS="3",
        CLIPFORGE_LEASE_RENEW_SECONDS="1",
        CLIPFORGE_CLIP_COUNT=str(CLIPS),
        CLIPFORGE_WORKER_MAX_JOBS="1",
        **extra,
    )


async def assert_one_set_of_results(upload_id: Any, user_id: Any) -> None:
    """READY, one transcript, one set of clips and their files, one charge, no dead letter."""
    upload = await Upload.get(id=upload_id)
    user = await User.get(id=user_id)
    fresh = upload
    assert (fresh.status, fresh.error) == (UploadStatus.READY, None)
    assert await Transcript.filter(upload_id=upload.id).count() == 1
    assert not await TranscriptChunk.filter(upload_id=upload.id).exists()
    clips = await Clip.filter(upload_id=upload.id).order_by("rank")
    assert 1 <= len(clips) <= CLIPS and [c.rank for c in clips] == list(range(1, len(clips) + 1))
    keys = await get_store().list_keys(f"uploads/{upload.id}/")
    videos = [k for k in keys if k.endswith(".mp4") and k != upload.storage_key]
    assert sorted(videos) == sorted(c.video_key for c in clips)
    assert not [k for k in keys if "/chunks/" in k]
    charges = await CreditTransaction.filter(upload_id=upload.id).values_list("kind", flat=True)
    assert charges == [CreditKind.UPLOAD_CHARGE]
    assert (await User.get(id=user.id)).minutes_balance == 9 == await ledger_sum(user.id)
    assert not await DeadLetter.filter(upload_id=upload.id).exists()


async def test_sigkill_mid_chunk_loses_only_that_chunk(
    settings: Settings, redis: Any, procs: list[Proc], long_talk: Talk, tmp_path: Path
) -> None:
    """A talk cut into chunks of ~10 s: the worker dies while a chunk is transcribed; a new
    worker runs that chunk again (try 2) and every other chunk once."""
    user, _ = await create_user(minutes=10)
    upload = await make_upload(user, long_talk)
    async with in_transaction() as conn:
        await charge_upload(upload, 1, conn)
    env = lease_env(settings, CLIPFORGE_TRANSCRIBE_CHUNK_SECONDS="10")
    from jobs.schedule import start

    assert await start("transcribe", upload.id)
    first = Proc(["worker"], env, tmp_path / "first.log")
    procs.append(first)
    await first.wait_for_output(r"job started.*transcribe_chunk", within=120)
    first.signal(signal.SIGKILL)
    assert await first.wait(30) == -signal.SIGKILL
    chunks = await TranscriptChunk.filter(upload_id=upload.id).order_by("index")
    assert len(chunks) >= 3 and not all(c.done for c in chunks)
    done_before = sum(c.done for c in chunks)

    second = Proc(["worker"], env, tmp_path / "second.log")
    procs.append(second)
    await wait_until(lambda: status_is(upload.id, UploadStatus.READY, UploadStatus.FAILED), 60)
    second.signal(signal.SIGTERM)
    assert await second.wait(60) == 0
    retried = [t for t in tries_logged(second, "transcribe_chunk", upload.id) if t > 1]
    assert retried == [2]  # the one chunk that was running when the worker died
    assert len(tries_logged(second, "transcribe_chunk", upload.id)) == len(chunks) - done_before
    await assert_one_set_of_results(upload.id, user.id)
    transcript = await Transcript.get(upload_id=upload.id)
    assert "one small habit today" in transcript.text.lower()


@pytest.fixture(scope="module")
def long_talk(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    video, onsets = make_talk(tmp_path_factory.mktemp("chunk-talk"), LONG, silence=1.0)
    return Talk(video=Path(video), onsets=onsets, sentences=LONG)


LONG = SENTENCES + (
    "Then look back after thirty days and count the hours you found.",
    "You will be surprised how much one small change can add up to.",
    "Share what you learned with a friend and ask them to join you.",
)
