"""Readiness that means it: an api on a database that lacks migrations is not ready, names
them, and says so in its log (so does the worker); it becomes ready after `clipforge migrate`."""

from __future__ import annotations

import secrets
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from core.config import Settings
from core.embedded import free_port
from orm.migration_state import PendingMigrations, pending_migrations
from tests.ops.processes import Proc, service_env, wait_until

MIGRATIONS = Path(__file__).resolve().parents[2] / "orm" / "migrations"
ALL = sorted(f"models.{p.stem}" for p in MIGRATIONS.glob("0*.py"))
HINT = "run `clipforge migrate`"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture
async def empty_database(settings: Settings) -> AsyncIterator[str]:
    """A new database on the test server that `clipforge migrate` never touched."""
    admin = with_database(settings.database_url or "", "postgres")
    name = f"clipforge_unmigrated_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield with_database(admin, name)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_readyz_names_pending_migrations_until_migrate(
    settings: Settings, empty_database: str, procs: list[Proc], tmp_path: Path
) -> None:
    port = free_port()
    env = service_env(settings, CLIPFORGE_DATABASE_URL=empty_database)
    api = Proc(["serve", "--port", str(port)], env, tmp_path / "api.log")
    procs.append(api)
    worker = Proc(["worker"], env, tmp_path / "worker.log")
    procs.append(worker)
    line = await api.wait_for_output(rf"\n.*lacks {len(ALL)} migration.*\n")
    assert HINT in line.group(0) and all(name in line.group(0) for name in ALL)
    line = await worker.wait_for_output(rf"\n.*lacks {len(ALL)} migration.*\n")
    assert HINT in line.group(0)
    worker.signal(signal.SIGTERM)
    assert await worker.wait(60) == 0

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

        async def answers() -> bool:
            try:
                await http.get("/healthz")
            except httpx.TransportError:
                return False
            return True

        await wait_until(answers, within=60)
        resp = await http.get("/readyz")
        assert resp.status_code == 503
        checks = resp.json()["checks"]
        assert checks["postgres"] == checks["redis"] == checks["storage"] == "ok"
        assert checks["migrations"] == f"pending: {', '.join(ALL)} ({HINT})"

        migrate = Proc(["migrate"], env, tmp_path / "migrate.log")
        assert await migrate.wait(120) == 0, migrate.output()

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, within=30)  # pending lists are looked up again every 2 s
        assert (await http.get("/readyz")).json()["checks"]["migrations"] == "ok"
    api.signal(signal.SIGTERM)
    assert await api.wait(60) == 0


async def test_the_pending_list_is_looked_up_again_only_now_and_then(db: Any) -> None:
    now = [0.0]
    lookups: list[list[str]] = []

    async def lookup() -> list[str]:
        lookups.append(await pending_migrations())
        return lookups[-1]

    cache = PendingMigrations(2.0, 300.0, clock=lambda: now[0], lookup=lookup)
    cache.seed(["models.9999_next"])  # what `clipforge serve` found at start
    now[0] = 1.9
    assert await cache.get() == ["models.9999_next"] and lookups == []
    now[0] = 2.1
    assert await cache.get() == [] and lookups == [[]]  # the test database has them all
    now[0] = 2.1 + 299
    assert await cache.get() == [] and len(lookups) == 1  # a clean answer lasts longer
    now[0] = 2.1 + 301
    assert await cache.get() == [] and len(lookups) == 2
