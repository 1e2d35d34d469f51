"""The one small module the api uses to start work: enqueue a job by name (no media imports)."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.jobs import Job

from core.redis import redis_url
from jobs.serialization import deserialize, serialize

_pools: dict[str, ArqRedis] = {}


async def get_pool(url: str | None = None) -> ArqRedis:
    url = url or redis_url()
    pool = _pools.get(url)
    if pool is None:
        pool = await create_pool(
            RedisSettings.from_dsn(url), job_serializer=serialize, job_deserializer=deserialize
        )
        _pools[url] = pool
    return pool


async def enqueue(
    job_name: str, *args: Any, job_id: str | None = None, **kwargs: Any
) -> Job | None:
    """Enqueue `job_name`; with a job_id, a second enqueue while one is pending is a no-op."""
    pool = await get_pool()
    return await pool.enqueue_job(job_name, *args, _job_id=job_id, **kwargs)


async def close_pools() -> None:
    pools = list(_pools.values())
    _pools.clear()
    for pool in pools:
        await pool.aclose()
