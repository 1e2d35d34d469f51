"""Leases: a job whose worker died is taken over by exactly one worker, soon, whatever its
timeout; a worker that is merely slow (even holding its event loop) keeps its job."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix

from core.config import Settings, get_settings
from jobs.schedule import get_pool
from jobs.serialization import deserialize, serialize
from jobs.worker import ResilientWorker, function
from jobs.worker_group import close
from tests.ops import worker_tasks
from tests.ops.processes import Proc, service_env, wait_until

pytestmark = pytest.mark.usefixtures("db")


async def count(redis: Any, key: str) -> int:
    return int(await redis.get(key) or 0)


def racing_worker(**options: Any) -> ResilientWorker:
    return ResilientWorker(
        functions=[function(t) for t in worker_tasks.TASKS],
        redis_settings=RedisSettings.from_dsn(get_settings().redis_url or ""),
        job_serializer=serialize,
        job_deserializer=deserialize,
        burst=True,
        poll_delay=0.005,
        handle_signals=False,
        lease_seconds=2.0,
        lease_renew_seconds=0.5,
        **options,
    )


@pytest.mark.parametrize("round_", range(3))
async def test_two_workers_racing_for_a_lapsed_lease_run_the_job_once(
    redis: Any, round_: int
) -> None:
    key = f"race-{uuid.uuid4().hex}"
    job = await (await get_pool()).enqueue_job("ops_sleep", key, 0.3)
    assert job is not None
    # A worker that died while running it: its lease lapses in 200 ms, its timeout is far.
    await redis.set(in_progress_key_prefix + job.job_id, b"dead-worker", px=200)
    workers = [racing_worker(), racing_worker()]
    try:
        await asyncio.wait_for(asyncio.gather(*(w.main() for w in workers)), 30)
    finally:
        for w in workers:
            await w.close()
    assert await count(redis, f"{key}:started") == 1 == await count(redis, f"{key}:done")
    assert sorted(w.jobs_complete for w in workers) == [0, 1]
    assert await redis.zcard("arq:queue") == 0


async def test_a_lease_held_by_another_token_stops_the_copy_and_records_nothing(
    redis: Any,
) -> None:
    """The fence: a worker whose lease was taken cancels its copy and leaves the job's keys to
    the new holder (who finishes it)."""
    key = f"fence-{uuid.uuid4().hex}"
    job = await (await get_pool()).enqueue_job("ops_sleep", key, 3)
    assert job is not None
    worker = racing_worker()
    worker.burst = False
    main = worker.main_task = asyncio.create_task(worker.main())
    try:
        await wait_until(lambda: count(redis, f"{key}:started"), within=20)
        await redis.set(in_progress_key_prefix + job.job_id, b"someone-else", px=60_000)
        await wait_until(lambda: _lost(worker, job.job_id), within=10)
    finally:
        worker.handle_sig(signal.SIGINT)
        await asyncio.gather(main, return_exceptions=True)
        await close(worker)
    assert await count(redis, f"{key}:done") == 0
    assert await redis.get(in_progress_key_prefix + job.job_id) == b"someone-else"
    assert await redis.zscore("arq:queue", job.job_id) is not None  # the holder's to finish


async def _lost(worker: ResilientWorker, job_id: str) -> bool:
    return job_id not in worker.tasks or worker.tasks[job_id].done()


async def test_a_worker_holding_its_event_loop_keeps_its_job(
    settings: Settings, redis: Any, procs: list[Proc], tmp_path: Path
) -> None:
    """Two worker processes, one-second leases; the job busy-loops the event loop of the
    worker that took it for four seconds. Lease renewal runs on its own thread, so the other
    worker never starts a second copy."""
    env = service_env(settings, CLIPFORGE_LEASE_SECONDS="1", CLIPFORGE_LEASE_RENEW_SECONDS="0.25")
    first = Proc(["worker"], env, tmp_path / "first.log")
    second = Proc(["worker"], env, tmp_path / "second.log")
    procs += [first, second]
    for proc in (first, second):
        await proc.wait_for_output("worker serving", within=60)
    key = f"block-{uuid.uuid4().hex}"
    job = await (await get_pool()).enqueue_job("ops_block", key, 4.0)
    assert job is not None
    await wait_until(lambda: count(redis, f"{key}:done"), within=60)
    await asyncio.sleep(2.5)  # more than two leases: room for a wrongful second start
    assert await count(redis, f"{key}:started") == 1
    assert await redis.zscore("arq:queue", job.job_id) is None


async def test_one_poll_goes_on_starting_its_batch_as_slots_free(
    redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arq drops the rest of a batch once every slot is busy (at most max_jobs new jobs per
    poll delay); this worker waits for a slot and goes on with the batch, never running more
    than max_jobs at once."""
    import jobs.worker

    monkeypatch.setattr(jobs.worker, "FILL_WAIT_SECONDS", 60.0)  # no deadline in the test
    key = f"fill-{uuid.uuid4().hex}"
    pool = await get_pool()
    for _ in range(8):
        assert await pool.enqueue_job("ops_sleep", key, 0.05) is not None
    worker = racing_worker(max_jobs=2, redis_pool=pool)
    busiest = 0

    async def watch() -> None:
        nonlocal busiest
        while True:
            busiest = max(busiest, worker.job_counter)
            await asyncio.sleep(0.002)

    watcher = asyncio.create_task(watch())
    try:
        worker.leases.start()
        await asyncio.wait_for(worker._poll_iteration(), 30)  # one poll
        started = await count(redis, f"{key}:started")
        await asyncio.wait_for(asyncio.gather(*worker.tasks.values()), 30)
    finally:
        watcher.cancel()
        worker.leases.stop()
    assert started >= 7  # all eight started in that one poll (the last may still be starting)
    assert await count(redis, f"{key}:done") == 8 and worker.jobs_complete == 8
    assert busiest == 2
