"""Crash safety: workers killed with SIGKILL mid-transcribe and mid-clip; the upload still
ends READY with exactly one set of results and exactly one charge."""

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
from orm.models import Clip, CreditTransaction, DeadLetter, Transcript, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.factories import create_user
from tests.media.fixtures_media import make_talk
from tests.ops.processes import Proc, service_env, short_timeouts, wait_until
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


def tries_logged(proc: Proc, job: str) -> list[int]:
    """The `try` of each "job started" line the worker logged for `job`."""
    tries = []
    for line in proc.output().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "job started" and entry.get("job") == job:
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
    env = service_env(
        settings,
        CLIPFORGE_JOB_TIMEOUTS=short_timeouts(20),
        CLIPFORGE_CLIP_COUNT=str(CLIPS),
        CLIPFORGE_WORKER_MAX_JOBS="1",
    )
    assert await start("transcribe", upload.id)

    first = Proc(["worker"], env, tmp_path / "first.log")
    procs.append(first)
    await wait_until(lambda: status_is(upload.id, UploadStatus.TRANSCRIBING), within=120)
    first.signal(signal.SIGKILL)
    assert await first.wait(30) == -signal.SIGKILL
    assert not await Transcript.exists(upload_id=upload.id)  # killed before it finished

    # arq re-runs the job once its in-progress key expires (short timeouts: ~35 s).
    second = Proc(["worker"], env, tmp_path / "second.log")
    procs.append(second)
    await wait_until(lambda: status_is(upload.id, UploadStatus.CLIPPING), within=180)
    second.signal(signal.SIGKILL)
    assert await second.wait(30) == -signal.SIGKILL
    assert tries_logged(second, "transcribe") == [2]

    third = Proc(["worker"], env, tmp_path / "third.log")
    procs.append(third)
    await wait_until(
        lambda: status_is(upload.id, UploadStatus.READY, UploadStatus.FAILED), within=240
    )
    third.signal(signal.SIGTERM)
    assert await third.wait(60) == 0
    assert tries_logged(third, "clip") == [2]

    fresh = await Upload.get(id=upload.id)
    assert (fresh.status, fresh.error) == (UploadStatus.READY, None)
    assert await Transcript.filter(upload_id=upload.id).count() == 1
    clips = await Clip.filter(upload_id=upload.id).order_by("rank")
    assert 1 <= len(clips) <= CLIPS and [c.rank for c in clips] == list(range(1, len(clips) + 1))
    keys = await get_store().list_keys(f"uploads/{upload.id}/")
    videos = [k for k in keys if k.endswith(".mp4") and k != upload.storage_key]
    assert sorted(videos) == sorted(c.video_key for c in clips)
    charges = await CreditTransaction.filter(upload_id=upload.id).values_list("kind", flat=True)
    assert charges == [CreditKind.UPLOAD_CHARGE]
    assert (await User.get(id=user.id)).minutes_balance == 9 == await ledger_sum(user.id)
    assert not await DeadLetter.filter(upload_id=upload.id).exists()
