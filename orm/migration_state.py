"""Which migrations the database still lacks, for /readyz and the start-up warning.

Tortoise records each applied migration as a row (app, name) of its `tortoise_migrations`
table; the migrations on disk (orm/migrations) minus those rows, in dependency order, are
the pending ones: exactly what `clipforge migrate` would apply.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tortoise import connections
from tortoise.migrations.executor import MigrationExecutor

from orm.database import APP, APP_CONFIG


async def pending_migrations(connection_name: str = "default") -> list[str]:
    """`app.name` of each migration not applied yet, in the order migrate would apply them.

    Needs Tortoise initialised. A database that cannot be reached raises (Tortoise's own
    lookup of applied rows would read that as "nothing applied").
    """
    connection = connections.get(connection_name)
    await connection.execute_query("SELECT 1")
    executor = MigrationExecutor(connection, {APP: dict(APP_CONFIG)})
    steps = await executor.plan()
    return [f"{s.migration.app_label}.{s.migration.name}" for s in steps if not s.backward]


class PendingMigrations:
    """The pending list, looked up again only now and then: readiness probes come often.

    While migrations are pending it is checked again after `while_pending` seconds, so a
    `clipforge migrate` is noticed quickly; once none are, only every `while_clean` seconds
    (a new migration comes with new code, hence a new process).
    """

    def __init__(
        self,
        while_pending: float = 2.0,
        while_clean: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        lookup: Callable[[], Awaitable[list[str]]] = pending_migrations,
    ) -> None:
        self.while_pending = while_pending
        self.lookup = lookup
        self.while_clean = while_clean
        self.clock = clock
        self._pending: list[str] = []
        self._checked_at: float | None = None

    def seed(self, pending: list[str]) -> None:
        """What a check at start-up found (`clipforge serve` looks before uvicorn starts)."""
        self._pending = list(pending)
        self._checked_at = self.clock()

    async def get(self) -> list[str]:
        if self._checked_at is not None:
            age = self.clock() - self._checked_at
            if age < (self.while_pending if self._pending else self.while_clean):
                return list(self._pending)
        self.seed(await self.lookup())
        return list(self._pending)
