"""DataLoaders per subscription event: each event's fields read the database afresh."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graphql_api.context import Context, FreshLoaders, Info
from resolvers.dataloaders import Loaders

SEEN: list[Loaders] = []


@strawberry.type
class Event:
    @strawberry.field
    def n(self, info: Info) -> int:
        SEEN.append(info.context.loaders)
        return len(SEEN)


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self) -> AsyncGenerator[Event, None]:
        for _ in range(3):
            yield Event()


async def test_each_subscription_event_gets_new_loaders() -> None:
    SEEN.clear()
    schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=[FreshLoaders])
    context = Context(request=None)  # type: ignore[arg-type]
    stream = await schema.stream("subscription { events { n } }", context_value=context)
    results = [result async for result in stream]
    assert [r.data for r in results] == [{"events": {"n": n}} for n in (1, 2, 3)]
    assert len({id(loaders) for loaders in SEEN}) == 3  # all alive in SEEN: ids are unique
