"""SIGTERM on a real worker process: running jobs finish within the grace time, else requeue."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import Settings
from core.embedded import free_port
from jobs.schedule import get_pool
from tests.ops.processes import Proc, service_env, wait_until

pytestmark = pytest.mark.usefixtures("db")


async def count(redis: Any, key: str) -> int:
    return int(await redis.get(key) or 0)


async def test_sigterm_lets_a_running_job_finish(
    settings: Settings, redis: Any, procs: list[Proc], tmp_path: Path
) -> None:
    metrics_port = free_port()
    env = service_env(
        settings,
        CLIPFORGE_WORKER_SHUTDOWN_GRACE_SECONDS="30",
        CLIPFORGE_WORKER_METRICS_PORT=str(metrics_port),
    )
    worker = Proc(["worker"], env, tmp_path / "worker.log")
    procs.append(worker)
    pool = await get_pool()
    warm = f"warm-{uuid.uuid4().hex}"
    await pool.enqueue_job("ops_sleep", warm, 0)
    key = f"sleep-{uuid.uuid4().hex}"
    job = await pool.enqueue_job("ops_sleep", key, 3)
    assert job is not None
    await wait_until(lambda: count(redis, f"{key}:started"))

    # The worker serves its job metrics for Prometheus.
    async def warm_counted() -> bool:
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        return 'clipforge_jobs_total{job="ops_sleep",outcome="success"} 1.0' in text

    await wait_until(warm_counted, within=30)
    worker.signal(signal.SIGTERM)
    assert await worker.wait(60) == 0
    assert await count(redis, f"{key}:done") == 1
    assert await redis.zscore("arq:queue", job.job_id) is None  # finished, not requeued


async def test_a_job_past_the_grace_time_is_requeued_and_runs_again(
    settings: Settings, redis: Any, procs: list[Proc], tmp_path: Path
) -> None:
    env = service_env(settings, CLIPFORGE_WORKER_SHUTDOWN_GRACE_SECONDS="1")
    first = Proc(["worker"], env, tmp_path / "first.log")
    procs.append(first)
    key = f"sleep-{uuid.uuid4().hex}"
    job = await (await get_pool()).enqueue_job("ops_sleep", key, 6)
    assert job is not None
    await wait_until(lambda: count(redis, f"{key}:started"))
    first.signal(signal.SIGTERM)
    assert await first.wait(60) == 0
    assert await count(redis, f"{key}:done") == 0
    assert await redis.zscore("arq:queue", job.job_id) is not None  # still queued
    assert not await redis.exists(f"arq:in-progress:{job.job_id}")

    second = Proc(["worker"], env, tmp_path / "second.log")
    procs.append(second)
    await wait_until(lambda: count(redis, f"{key}:done"), within=90)
    assert await count(redis, f"{key}:started") == 2
    second.signal(signal.SIGTERM)
    assert await second.wait(60) == 0
