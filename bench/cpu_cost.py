"""CPU time per request in-process, and what a parse/validation cache would save.

Load figures on a shared 2-core machine swing with other people's work; CPU time per
request (time.process_time around n sequential in-process requests) swings much less,
and says directly why a query is slow. The what-if variant is the same schema with
Strawberry's ParserCache and ValidationCache added (the api re-parses and re-validates
the same document on every request today) and without the query-limit extensions, whose
per-operation rule classes would defeat the validation cache; on their own they cost
little (measured: no change in CPU without them).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from starlette.applications import Starlette

VARIANT = "parse+validation cache (limit rules left out)"


def app_variants() -> dict[str, Starlette]:
    import graphql_api.app as app_module
    from core.config import get_settings

    variants = {"as is": app_module.create_app(get_settings(), manage_connections=False)}
    try:
        import strawberry
        from strawberry.extensions import ParserCache, ValidationCache

        import graphql_api.schema as s

        try:
            from graphql_api.limits import limit_extensions

            rebuilt_per_request = set(limit_extensions())
        except ImportError:
            rebuilt_per_request = set()
        # The limit extensions make new validation-rule classes for every operation, so a
        # ValidationCache (keyed on the rules too) would never hit: they are left out here.
        kept = [e for e in s.extensions() if e not in rebuilt_per_request]
        cached = strawberry.Schema(
            query=s.Query,
            mutation=s.Mutation,
            subscription=s.Subscription,
            types=s.NODE_TYPES,
            extensions=[*kept, ParserCache(maxsize=256), ValidationCache(maxsize=256)],
        )
        original = app_module.schema
        app_module.schema = cached  # graphql_app() reads the module global
        try:
            variants[VARIANT] = app_module.create_app(get_settings(), manage_connections=False)
        finally:
            app_module.schema = original
    except (ImportError, AttributeError, TypeError):
        pass
    return variants


async def cpu_per_request(
    requests: dict[str, tuple[str, dict[str, Any], str, int]],
) -> dict[str, dict[str, float]]:
    """{variant: {label: CPU ms per request}}; each label runs n times after 3 warm-ups."""
    out: dict[str, dict[str, float]] = {}
    for variant, app in app_variants().items():
        transport = httpx.ASGITransport(app=app)
        out[variant] = {}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for label, (doc, variables, token, n) in requests.items():
                body = {"query": doc, "variables": variables}
                headers = {"Authorization": f"Bearer {token}"}
                for _ in range(3):
                    await client.post("/graphql", json=body, headers=headers)
                c0 = time.process_time()
                for _ in range(n):
                    await client.post("/graphql", json=body, headers=headers)
                out[variant][label] = round((time.process_time() - c0) / n * 1000, 2)
    return out
