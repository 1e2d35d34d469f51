"""What the figures were measured on: date, cores, memory, load, software versions."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import psutil

PACKAGES = (
    "strawberry-graphql",
    "arq",
    "tortoise-orm",
    "asyncpg",
    "uvicorn",
    "starlette",
    "redis",
    "faster-whisper",
    "ctranslate2",
)


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


def _ffmpeg() -> str:
    try:
        out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, timeout=10)
        return out.stdout.split("\n", 1)[0].replace("ffmpeg version ", "").split(" ")[0]
    except (OSError, subprocess.SubprocessError):
        return "not found"


async def servers(database_url: str, redis_url: str) -> dict[str, str]:
    import asyncpg
    from redis.asyncio import Redis

    conn = await asyncpg.connect(database_url)
    try:
        pg = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
    client = Redis.from_url(redis_url)
    try:
        info = await client.info("server")
    finally:
        await client.aclose()
    return {"postgres": pg.split(" ")[0], "redis": str(info.get("redis_version"))}


async def describe(database_url: str, redis_url: str) -> dict[str, Any]:
    versions = {"python": platform.python_version()}
    versions.update({pkg: _version(pkg) for pkg in PACKAGES})
    versions.update(await servers(database_url, redis_url))
    versions["ffmpeg"] = _ffmpeg()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": f"{platform.system()} {platform.release()}",
        "executable": os.path.basename(sys.executable),
        "versions": versions,
    }


async def calibrate(database_url: str, redis_url: str, n: int = 200) -> dict[str, Any]:
    """How busy the machine is right now, in units every benchmark depends on: a Redis
    round trip, a Postgres round trip, and a fixed slice of pure-Python CPU work."""
    import time

    import asyncpg
    from redis.asyncio import Redis

    from bench.stats import summary_ms

    client = Redis.from_url(redis_url)
    conn = await asyncpg.connect(database_url)
    try:
        redis_rtt, pg_rtt = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            await client.ping()
            redis_rtt.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await conn.fetchval("SELECT 1")
            pg_rtt.append(time.perf_counter() - t0)
    finally:
        await conn.close()
        await client.aclose()
    t0 = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i
    cpu = time.perf_counter() - t0
    return {
        "redis_ping_ms": summary_ms(redis_rtt),
        "postgres_select1_ms": summary_ms(pg_rtt),
        "python_loop_1m_ms": round(cpu * 1000, 1),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
