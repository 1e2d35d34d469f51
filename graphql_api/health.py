"""/healthz (the process is alive) and /readyz (Postgres, Redis and storage reachable)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from core.redis import get_redis


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _check_postgres() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def _check_redis() -> None:
    await get_redis().ping()


async def _check_storage() -> None:
    from core.storage.factory import get_store

    await get_store().ping()


CHECKS = {"postgres": _check_postgres, "redis": _check_redis, "storage": _check_storage}


async def readyz(request: Request) -> JSONResponse:
    """Each dependency checked in parallel with a short timeout; 503 names what is down."""

    async def run(check: object) -> str:
        try:
            await asyncio.wait_for(check(), timeout=2.0)  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return f"down: {type(exc).__name__}: {exc}"[:200]
        return "ok"

    results = await asyncio.gather(*(run(c) for c in CHECKS.values()))
    checks = dict(zip(CHECKS, results, strict=True))
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
