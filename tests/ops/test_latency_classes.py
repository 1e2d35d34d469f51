"""Latency classes: an export starts while long work fills every long slot of the worker."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from core.pipeline import ExportStatus, UploadStatus
from core.storage import get_store
from jobs.schedule import get_pool, start_export
from jobs.worker_group import ordered
from orm.models import Export
from orm.models.enums import AspectRatio
from tests.media.fixtures_media import make_talk
from tests.ops.helpers import charged_upload, make_clip
from tests.ops.processes import Proc, service_env, wait_until

pytestmark = pytest.mark.usefixtures("db", "no_leftover_work")


async def count(redis: Any, key: str) -> int:
    return int(await redis.get(key) or 0)


async def test_an_export_starts_while_both_long_slots_are_busy(
    settings: Settings, redis: Any, procs: list[Proc], tmp_path: Path
) -> None:
    video, _ = make_talk(tmp_path / "clip", ("A short clip to export.",), lead=0.2)
    _, upload = await charged_upload(status=UploadStatus.READY)
    clip = await make_clip(upload)
    await get_store().put_file(upload.storage_key, video, "video/mp4")  # exports read it
    env = service_env(
        settings, CLIPFORGE_WORKER_MAX_JOBS="2", CLIPFORGE_WORKER_INTERACTIVE_JOBS="1"
    )
    worker = Proc(["worker", "--queues", "interactive,long"], env, tmp_path / "worker.log")
    procs.append(worker)
    await worker.wait_for_output(r"worker serving long \(2 slots\), interactive \(1 slots\)")

    # Three long jobs: two fill the long slots, the third waits for one of them.
    pool = await get_pool()
    keys = [f"long-{uuid.uuid4().hex}" for _ in range(3)]
    for key in keys:
        assert await pool.enqueue_job("ops_sleep", key, 60)
    started = [lambda k=k: count(redis, f"{k}:started") for k in keys]

    async def both_slots_busy() -> bool:
        return sum([await s() for s in started]) == 2

    await wait_until(both_slots_busy, within=30)
    export = await Export.create(
        user_id=upload.user_id, clip=clip, aspect_ratio=AspectRatio.SQUARE_1_1
    )
    assert await start_export(export.id)

    async def rendering() -> bool:
        await export.refresh_from_db()
        return export.status in (ExportStatus.RENDERING, ExportStatus.READY)

    await wait_until(rendering, within=30)
    # It started while the long jobs still run, and took no long slot from the waiting one.
    assert [await count(redis, f"{k}:done") for k in keys] == [0, 0, 0]
    assert sum([await s() for s in started]) == 2
    await wait_until(lambda: _ready(export), within=60)


async def _ready(export: Export) -> bool:
    await export.refresh_from_db()
    return export.status == ExportStatus.READY and bool(export.key)


def test_queues_are_served_once_each_in_the_table_order() -> None:
    assert [q.value for q in ordered(["interactive", "long", "interactive"])] == [
        "long",
        "interactive",
    ]
    with pytest.raises(ValueError):
        ordered(["fast"])
