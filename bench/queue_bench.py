"""Benchmark 4: enqueue-to-start latency of a no-op job, and 1,000 no-ops through one worker."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from arq.constants import default_queue_name, health_check_key_suffix
from arq.jobs import Job

from bench import procs
from bench.env import BenchEnv, flush_redis
from bench.stats import summary_ms
from bench.worker import NOOP


@dataclass
class QueueConfig:
    pickups: int = 200
    jobs: int = 1000
    what_if_max_jobs: int = 0  # > 0: also run the throughput with this max_jobs


async def wait_worker(redis: Any, queue: str, server: procs.Server, within: float = 60) -> None:
    """The worker writes its health-check key on its first poll."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"worker exited:\n{server.tail()}")
        if await redis.exists(queue + health_check_key_suffix):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"worker did not start polling:\n{server.tail()}")


async def pickups(pool: Any, queue: str, n: int) -> list[float]:
    """One job at a time on an idle worker, at random phase against its poll loop."""
    out = []
    for _ in range(n):
        await asyncio.sleep(random.uniform(0.01, 0.08))
        sent = time.time()
        job = await pool.enqueue_job(NOOP, sent, _queue_name=queue)
        started = await job.result(timeout=30, poll_delay=0.002)
        out.append(float(started) - sent)
    return out


async def throughput(pool: Any, queue: str, n: int) -> dict[str, Any]:
    """Enqueue n jobs at once (concurrently), time until the last one finished."""
    t0 = time.time()
    sem = asyncio.Semaphore(50)

    async def enqueue() -> Job:
        async with sem:
            job = await pool.enqueue_job(NOOP, time.time(), _queue_name=queue)
            assert job is not None
            return job

    jobs = await asyncio.gather(*(enqueue() for _ in range(n)))
    enqueued = time.time() - t0
    deadline = time.monotonic() + 300
    while await pool.zcard(queue) and time.monotonic() < deadline:  # noqa: ASYNC110 - polls Redis
        await asyncio.sleep(0.01)
    infos = [await j.result_info() for j in jobs]
    finished = [i for i in infos if i is not None and i.success]
    last = max((i.finish_time.timestamp() for i in finished), default=float("nan"))
    total = last - t0
    return {
        "jobs": n,
        "completed": len(finished),
        "enqueue_seconds": round(enqueued, 3),
        "total_seconds": round(total, 3),
        "jobs_per_second": round(len(finished) / total, 1) if total > 0 else 0.0,
    }


async def one_worker(env: BenchEnv, cfg: QueueConfig, max_jobs: int | None) -> dict[str, Any]:
    from arq.connections import RedisSettings, create_pool

    from bench.worker import worker_settings
    from jobs.serialization import deserialize, serialize

    settings = worker_settings()
    queue = settings.get("queue_name") or default_queue_name
    await flush_redis(env.redis_url)
    extra = {"BENCH_MAX_JOBS": str(max_jobs)} if max_jobs else {}
    worker = procs.start_worker(env, **extra)
    pool = await create_pool(
        RedisSettings.from_dsn(env.redis_url),
        job_serializer=serialize,
        job_deserializer=deserialize,
    )
    try:
        await wait_worker(pool, queue, worker)
        lat = await pickups(pool, queue, cfg.pickups)
        tp = await throughput(pool, queue, cfg.jobs)
    finally:
        await pool.aclose()
        procs.stop(worker)
    return {
        "max_jobs": max_jobs or settings["max_jobs"],
        "poll_delay": settings["poll_delay"],
        "pickup_ms": {"samples": len(lat), **summary_ms(lat)},
        "throughput": tp,
    }


async def run(env: BenchEnv, cfg: QueueConfig | None = None) -> dict[str, Any]:
    cfg = cfg or QueueConfig()
    res = await one_worker(env, cfg, None)
    p, t = res["pickup_ms"], res["throughput"]
    print(
        f"  pick-up (max_jobs={res['max_jobs']}, poll_delay={res['poll_delay']}s):"
        f" median {p['p50']} ms, p95 {p['p95']} ms over {p['samples']} jobs"
    )
    print(
        f"  {t['jobs']} no-op jobs: {t['total_seconds']} s ({t['jobs_per_second']} jobs/s,"
        f" enqueue {t['enqueue_seconds']} s), {t['completed']} completed"
    )
    out: dict[str, Any] = {"default": res}
    if cfg.what_if_max_jobs:
        alt = await one_worker(env, QueueConfig(20, cfg.jobs), cfg.what_if_max_jobs)
        t = alt["throughput"]
        print(f"  what-if max_jobs={alt['max_jobs']}: {t['total_seconds']} s for {t['jobs']} jobs")
        out["what_if"] = alt
    return out
