"""SQL statements per GraphQL request, counted in-process (no pg_stat_statements needed).

The api app runs inside the bench process (create_app with the bench's Tortoise
connection) and asyncpg's Connection methods are wrapped only for the duration of the
count, so nothing in the api changes. The pool's reset-on-release (`RESET ALL` etc.) is
counted apart: it is a round trip per checkout, not a query the api asks for.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

METHODS = ("fetch", "fetchrow", "fetchval", "execute", "executemany")


class SqlCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.resets = 0
        self._saved: dict[str, Any] = {}

    def _wrap(self, name: str, orig: Callable[..., Awaitable[Any]]) -> Any:
        counter = self

        @functools.wraps(orig)
        async def wrapper(conn: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if "pg_advisory_unlock_all" in query or query.strip().upper() == "RESET ALL;":
                counter.resets += 1
            else:
                counter.statements.append(" ".join(query.split()))
            return await orig(conn, query, *args, **kwargs)

        return wrapper

    def __enter__(self) -> SqlCounter:
        cls = asyncpg.connection.Connection
        for name in METHODS:
            self._saved[name] = getattr(cls, name)
            setattr(cls, name, self._wrap(name, self._saved[name]))
        return self

    def __exit__(self, *exc: object) -> None:
        cls = asyncpg.connection.Connection
        for name, orig in self._saved.items():
            setattr(cls, name, orig)

    def reset(self) -> None:
        self.statements.clear()
        self.resets = 0


async def count_queries(
    requests: dict[str, tuple[str, dict[str, Any], str]], repeats: int = 3
) -> dict[str, dict[str, Any]]:
    """For each label: (document, variables, token) -> statements per request (max of repeats)."""
    from core.config import get_settings
    from graphql_api.app import create_app

    app = create_app(get_settings(), manage_connections=False)
    out: dict[str, dict[str, Any]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        with SqlCounter() as counter:
            for label, (doc, variables, token) in requests.items():
                counts, resets, errors = [], [], None
                for _ in range(repeats):
                    counter.reset()
                    resp = await client.post(
                        "/graphql",
                        json={"query": doc, "variables": variables},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    body = resp.json()
                    if resp.status_code != 200 or body.get("errors"):
                        errors = str(body.get("errors") or resp.status_code)[:300]
                    counts.append(len(counter.statements))
                    resets.append(counter.resets)
                out[label] = {
                    "queries": max(counts),
                    "pool_resets": max(resets),
                    "statements": [s[:120] for s in counter.statements],
                    "error": errors,
                }
    return out
