"""CPU time per request in-process: Clipforge and the bare Strawberry app, same requests.

Load figures on a shared 2-core machine swing with other people's work; CPU time per
request (time.process_time around n sequential in-process requests through httpx's ASGI
transport) swings much less, and says directly what a request costs. The bare
Strawberry app (bench/strawberry_baseline.py) runs in this process on the bench's
database too, so the difference is the project's own work per request.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
from starlette.applications import Starlette

CLIPFORGE = "clipforge"
BARE = "bare strawberry"


@contextlib.asynccontextmanager
async def bare_app() -> AsyncIterator[Starlette]:
    """The bare Strawberry app with its asyncpg pool on the bench's database."""
    from bench import baseline_app, strawberry_baseline
    from core.config import get_settings

    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )

    dsn = get_settings().database_url
    baseline_app.POOL = await asyncpg.create_pool(dsn, min_size=1, max_size=5, init=init)
    try:
        yield strawberry_baseline.app
    finally:
        await baseline_app.POOL.close()
        baseline_app.POOL = None


async def measure(
    app: Starlette, requests: dict[str, tuple[str, dict[str, Any], str, int]]
) -> dict[str, float]:
    out: dict[str, float] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for label, (doc, variables, token, n) in requests.items():
            body = {"query": doc, "variables": variables}
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(3):
                resp = await client.post("/graphql", json=body, headers=headers)
                assert "errors" not in resp.json(), resp.text[:300]
            c0 = time.process_time()
            for _ in range(n):
                await client.post("/graphql", json=body, headers=headers)
            out[label] = round((time.process_time() - c0) / n * 1000, 2)
    return out


async def cpu_per_request(
    requests: dict[str, tuple[str, dict[str, Any], str, int]],
) -> dict[str, dict[str, float]]:
    """{variant: {label: CPU ms per request}}; each label runs n times after 3 warm-ups."""
    from core.config import get_settings
    from graphql_api.app import create_app

    out = {CLIPFORGE: await measure(create_app(get_settings(), manage_connections=False), requests)}
    async with bare_app() as app:
        out[BARE] = await measure(app, requests)
    return out
