"""/healthz (the process is alive) and /readyz (Postgres, Redis and storage reachable, and no
migration pending)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from core.redis import get_redis
from orm.migration_state import PendingMigrations

# Looked up once (clipforge serve seeds it at start), then again only now and then.
MIGRATIONS = PendingMigrations()


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _check_postgres() -> str | None:
    await connections.get("default").execute_query("SELECT 1")
    return None


async def _check_redis() -> str | None:
    await get_redis().ping()
    return None


async def _check_storage() -> str | None:
    from core.storage.factory import get_store

    await get_store().ping()
    return None


async def _check_migrations() -> str | None:
    """Requests would fail on tables or columns the database does not have yet."""
    pending = await MIGRATIONS.get()
    if not pending:
        return None
    return f"pending: {', '.join(pending)} (run `clipforge migrate`)"


# Each check returns None when fine, a reason when not ready, or raises when it cannot tell.
CHECKS: dict[str, Callable[[], Awaitable[str | None]]] = {
    "postgres": _check_postgres,
    "redis": _check_redis,
    "storage": _check_storage,
    "migrations": _check_migrations,
}


async def readyz(request: Request) -> JSONResponse:
    """Each check runs in parallel with a short timeout; 503 names what is not ready."""

    async def run(check: Callable[[], Awaitable[str | None]]) -> str:
        try:
            problem = await asyncio.wait_for(check(), timeout=2.0)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return f"down: {type(exc).__name__}: {exc}"[:200]
        return "ok" if problem is None else problem[:1000]

    results = await asyncio.gather(*(run(c) for c in CHECKS.values()))
    checks = dict(zip(CHECKS, results, strict=True))
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
