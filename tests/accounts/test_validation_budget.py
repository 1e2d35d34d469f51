"""The validation bomb (issue 15, item 3): a budget on the expanded document, checked before
any other validation, and a wall-clock cap on validation itself."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import parse, specified_rules

from graphql_api.document_budget import expanded_size
from graphql_api.documents import DocumentCache
from graphql_api.schema import schema


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def fragment_chain(levels: int) -> str:
    """Each fragment spreads the next one twice: 2**levels selections once expanded."""
    spreads = [
        f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(1, levels + 1)
    ]
    return (
        "query Bomb { me { ...F1 } }\n"
        + "\n".join(spreads)
        + f"\nfragment F{levels + 1} on User {{ id }}"
    )


def overlapping(count: int) -> str:
    """`count` sibling selections of one field: quadratic work for field merging."""
    return "{ " + " ".join(["me { id }"] * count) + " }"


def test_the_expansion_is_counted_once_per_fragment() -> None:
    # 20 levels expand to 2**21 - 2 spreads plus 2**20 fields under `me`: counted exactly
    # (no cut-off), which only finishes because each fragment's size is memoized.
    document = parse(fragment_chain(20))
    assert expanded_size(document, limit=10**9) == 1 + (2**21 - 1) + 2**20
    assert expanded_size(parse("{ me { id email } }"), limit=10**9) == 3


async def test_the_twenty_level_fragment_chain_is_refused_with_a_code(gql: Any) -> None:
    bomb = fragment_chain(20)
    assert len(bomb.encode()) < 1000  # a small anonymous document
    body = await gql(bomb, expect_errors=True)
    # Refused by the budget before any other rule (depth, aliases, cost) walks it.
    assert codes(body) == ["QUERY_TOO_LARGE"]
    assert body["errors"][0]["extensions"]["maxNodes"] == 5000
    assert body.get("data") is None
    # The api still answers (nothing is stuck behind it).
    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}


async def test_the_budget_follows_the_setting(
    gql: Any, make_user: Any, override_settings: Any
) -> None:
    _, token = await make_user()
    chain = fragment_chain(6)  # 1 + 127 + 64 = 192 selections
    assert (await gql(chain, token=token))["data"]["me"]["id"]
    override_settings(max_query_nodes=191)
    assert codes(await gql(chain, token=token, expect_errors=True)) == ["QUERY_TOO_LARGE"]
    override_settings(max_query_nodes=192)
    assert (await gql(chain, token=token))["data"]["me"]["id"]


async def test_validation_has_a_wall_clock_cap(gql: Any, override_settings: Any) -> None:
    document = overlapping(200)  # within the token and node limits
    override_settings(validation_timeout_ms=1)
    body = await gql(document, expect_errors=True)
    assert codes(body) == ["VALIDATION_TIMEOUT"]
    assert body.get("data") is None
    # A timeout is not remembered: with time to finish, the same document is valid.
    override_settings(validation_timeout_ms=60_000)
    body = await gql(document, expect_errors=True)
    assert codes(body) == ["UNAUTHENTICATED"]  # valid: it ran (`me` needs a signed-in user)


async def test_the_cap_holds_off_the_main_thread_too(override_settings: Any) -> None:
    """Without signals (another thread), the clock is checked between visited nodes."""
    override_settings(validation_timeout_ms=1)
    cache = DocumentCache()
    entry = cache.get(overlapping(200), 2000)
    rules = tuple(specified_rules)
    errors = await asyncio.to_thread(cache.validate, schema._schema, entry, rules)
    assert [e.extensions["code"] for e in errors if e.extensions] == ["VALIDATION_TIMEOUT"]


def test_an_alarm_whose_exception_was_swallowed_rings_again() -> None:
    """A signal handler's exception that lands in a weakref or GC callback is lost (Python
    only prints it): seen once in a suite run, where the 1 ms cap let validation finish. The
    timer rings again while validation runs, so the cap still holds."""
    import time

    import pytest

    from graphql_api import validation_deadline

    swallowed = 0

    def validate(extra: tuple[Any, ...]) -> list[Any]:
        nonlocal swallowed
        try:
            time.sleep(2)  # the first alarm lands here, in a "callback" that swallows it
        except validation_deadline.DeadlineExceeded:
            swallowed += 1
        time.sleep(2)  # validation goes on
        return []

    with pytest.raises(validation_deadline.DeadlineExceeded):
        validation_deadline.within(0.01, validate)
    assert swallowed == 1


def test_garbage_collection_is_not_validation_time() -> None:
    """A full collection in a large process can outlast the cap (seen: a 200 ms cap tripped
    on a small document in a suite run); the cap counts validation's own time only."""
    import time

    import pytest

    from graphql_api import validation_deadline

    def collecting(extra: tuple[Any, ...]) -> list[Any]:
        validation_deadline._on_gc("start", {})  # as gc.callbacks calls it
        time.sleep(0.1)  # the alarm rings inside the collection: it waits
        validation_deadline._on_gc("stop", {})
        return []

    assert validation_deadline.within(0.02, collecting) == []

    def working(extra: tuple[Any, ...]) -> list[Any]:
        time.sleep(0.1)
        return []

    with pytest.raises(validation_deadline.DeadlineExceeded):
        validation_deadline.within(0.02, working)
