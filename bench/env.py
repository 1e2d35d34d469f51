"""The benchmark's private world: a fresh database, its own Redis DB, a temp var dir.

Everything it makes is removed afterwards, so runs never see each other's data.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@dataclass
class BenchEnv:
    """URLs and settings shared by the bench process and the servers it starts."""

    admin_url: str
    redis_url: str
    database_url: str = ""
    var_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cf-bench-")))
    secret_key: str = field(default_factory=lambda: "bench-" + secrets.token_hex(16))
    db_name: str = field(default_factory=lambda: f"clipforge_bench_{secrets.token_hex(4)}")

    def child_env(self, **extra: str) -> dict[str, str]:
        """Environment for the api/worker subprocesses (same data, same secret)."""
        env = dict(os.environ)
        env.update(
            {
                "CLIPFORGE_ENV": "development",
                "CLIPFORGE_DATABASE_URL": self.database_url,
                "CLIPFORGE_REDIS_URL": self.redis_url,
                "CLIPFORGE_VAR_DIR": str(self.var_dir),
                "CLIPFORGE_STORAGE_BACKEND": "local",
                "CLIPFORGE_STORAGE_DIR": str(self.var_dir / "storage"),
                "CLIPFORGE_SECRET_KEY": self.secret_key,
                "CLIPFORGE_LOG_LEVEL": "WARNING",
                "CLIPFORGE_LOG_JSON": "true",
                # Load comes from a handful of users: keep the limiter's cost, not its refusals.
                "CLIPFORGE_RATE_LIMIT_PER_MINUTE": str(10**9),
                "CLIPFORGE_ACCESS_TOKEN_TTL_SECONDS": str(6 * 3600),
                "CLIPFORGE_JWT_KEYS_FILE": str(self.var_dir / "jwt_keys.json"),
                "PYTHONPATH": str(REPO),
            }
        )
        env.update(extra)
        return env

    def configure_here(self, **extra: object) -> None:
        """The same settings for this process (seeding, publishing, enqueueing)."""
        from core.config import configure

        configure(
            env="development",
            database_url=self.database_url,
            redis_url=self.redis_url,
            var_dir=self.var_dir,
            storage_backend="local",
            storage_dir=self.var_dir / "storage",
            secret_key=self.secret_key,
            log_level="WARNING",
            rate_limit_per_minute=10**9,
            access_token_ttl_seconds=6 * 3600,
            jwt_keys_file=self.var_dir / "jwt_keys.json",
            **extra,
        )


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def open_env(admin_url: str | None = None, redis_url: str | None = None) -> BenchEnv:
    """Create the database (migrated), point this process at it, clear our Redis DB."""
    env = BenchEnv(
        admin_url=admin_url or os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        redis_url=redis_url or os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
    )
    await _admin(env.admin_url, f'CREATE DATABASE "{env.db_name}"')
    env.database_url = with_database(env.admin_url, env.db_name)
    env.configure_here()
    from orm.database import init_db, migrate

    await migrate(env.database_url)
    await init_db(env.database_url)
    await flush_redis(env.redis_url)
    return env


async def flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def close_env(env: BenchEnv) -> None:
    """Close connections, drop the database, clear our Redis DB, remove the var dir."""
    from core.redis import close_redis
    from orm.database import close_db

    try:
        await close_db()
        await close_redis()
        try:
            from jobs.schedule import close_pools

            await close_pools()
        except ImportError:
            pass
        await flush_redis(env.redis_url)
    finally:
        await _admin(env.admin_url, f'DROP DATABASE IF EXISTS "{env.db_name}" WITH (FORCE)')
        shutil.rmtree(env.var_dir, ignore_errors=True)
