"""Real PostgreSQL and Redis for tests: the ones named in the environment, else embedded ones.

CLIPFORGE_TEST_POSTGRES_URL: an admin URL of a server where a fresh database is created per run.
CLIPFORGE_TEST_REDIS_URL: a Redis URL (a DB index of its own when runs share a server).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from core.embedded import start_postgres, start_redis


@contextmanager
def postgres_server(tmp: Path) -> Iterator[str]:
    """Yields an admin URL."""
    url = os.environ.get("CLIPFORGE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    yield start_postgres(tmp)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new empty database, dropped afterwards."""
    import asyncio

    name = f"clipforge_test_{secrets.token_hex(4)}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(admin_url, name)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    url = os.environ.get("CLIPFORGE_TEST_REDIS_URL")
    if url:
        yield url
        return
    url, proc = start_redis(tmp)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
