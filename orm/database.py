"""Database set-up: the Tortoise config, connect/close, and applying migrations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api.migrate import migrate as _tortoise_migrate

from core.config import get_settings

APP = "models"
APP_CONFIG: dict[str, Any] = {
    "models": ["orm.models"],
    "default_connection": "default",
    "migrations": "orm.migrations",
}


def tortoise_url(url: str) -> str:
    """postgres://, postgresql:// and asyncpg:// all mean asyncpg to Tortoise."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        parts = parts._replace(scheme="asyncpg")
    return urlunsplit(parts)


async def keep_session(connection: object) -> None:
    """What a pooled connection gets on release instead of asyncpg's default reset.

    The default sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every
    release: a round trip per query, as many as the queries themselves. Clipforge keeps no
    session state (no SET, LISTEN, advisory locks or cursors), and asyncpg still rolls back a
    transaction left open before it calls this.
    """


def tortoise_config(url: str | None = None, *, pool_max: int | None = None) -> dict[str, Any]:
    db_url = tortoise_url(url or get_settings().database_url or "")
    if not db_url:
        raise RuntimeError(
            "no database URL: start the embedded server or set CLIPFORGE_DATABASE_URL"
        )
    if pool_max is not None:
        sep = "&" if "?" in db_url else "?"
        db_url = f"{db_url}{sep}maxsize={pool_max}"
    connection = expand_db_url(db_url)
    connection["credentials"]["reset"] = keep_session
    return {
        "connections": {"default": connection},
        "apps": {APP: dict(APP_CONFIG)},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(url: str | None = None, *, pool_max: int | None = None) -> None:
    # Global fallback: uvicorn runs the lifespan (where this is called) in a task of its own,
    # so without it requests and WebSockets would find no Tortoise context.
    await Tortoise.init(
        config=tortoise_config(url, pool_max=pool_max), _enable_global_fallback=True
    )


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(url: str | None = None) -> None:
    """Apply every pending migration (idempotent)."""
    await _tortoise_migrate(config=tortoise_config(url))
    await Tortoise.close_connections()


# For the `tortoise` CLI (makemigrations): reads CLIPFORGE_DATABASE_URL.
def _cli_config() -> dict[str, Any]:
    try:
        return tortoise_config()
    except RuntimeError:
        return tortoise_config("asyncpg://postgres@127.0.0.1:5432/postgres")


TORTOISE_ORM = _cli_config()
