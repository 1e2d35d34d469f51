"""Telling "a backing service is down" (Postgres, Redis, storage restarting) from a bug.

Such errors reach clients as SERVICE_UNAVAILABLE (a GraphQL error, or HTTP 503 before the
GraphQL layer), so they retry later instead of reading it as "Internal server error".
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import redis.exceptions
from tortoise.exceptions import DBConnectionError

from core.errors import ServiceUnavailable
from core.storage.base import StorageError

UNAVAILABLE_TYPES: tuple[type[BaseException], ...] = (
    OSError,  # refused/reset connections, missing Unix socket, TimeoutError
    asyncio.TimeoutError,
    DBConnectionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    # Seen on a pooled connection the server dropped mid-statement during a restart.
    asyncpg.exceptions.InternalClientError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    StorageError,
)
MESSAGE = ServiceUnavailable.MESSAGE
CODE = ServiceUnavailable.CODE


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_unavailable(exc: BaseException) -> bool:
    return any(isinstance(e, UNAVAILABLE_TYPES) for e in _chain(exc))
