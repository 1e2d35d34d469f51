"""Rate limits: one Redis token bucket shared by api replicas, per user or per client IP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from graphql_api.client_ip import client_ip

TYPENAME = {"query": "{ __typename }"}


class FrozenClock:
    """Time stands still unless the test moves it: the boundary is exact, not a race."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def replicas(
    settings: Any, redis: Any
) -> AsyncIterator[Callable[[int], Awaitable[tuple[Any, Any, FrozenClock]]]]:
    """Two app instances ('replicas') with one limit, sharing Redis and a frozen clock."""
    from graphql_api.app import create_app

    clients: list[httpx.AsyncClient] = []

    async def make(per_minute: int) -> tuple[Any, Any, FrozenClock]:
        clock = FrozenClock()
        update = {"rate_limit_per_minute": per_minute}
        for _ in range(2):
            app = create_app(settings.model_copy(update=update), manage_connections=False)
            app.state.rate_limiter.clock = clock
            transport = httpx.ASGITransport(app=app)
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-2], clients[-1], clock

    yield make
    for c in clients:
        await c.aclose()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_exact_boundary_across_two_replicas(replicas: Any, make_user: Any) -> None:
    a, b, clock = await replicas(10)  # one token back every 6 s
    _, token = await make_user()

    for n in range(10):
        resp = await (a if n % 2 == 0 else b).post("/graphql", json=TYPENAME, headers=auth(token))
        assert resp.status_code == 200, n
        assert resp.headers["x-ratelimit-limit"] == "10"
        assert resp.headers["x-ratelimit-remaining"] == str(9 - n)

    over = await b.post("/graphql", json=TYPENAME, headers=auth(token))
    assert over.status_code == 429
    assert over.headers["retry-after"] == "6"
    assert over.headers["x-ratelimit-remaining"] == "0"
    error = over.json()["errors"][0]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 6}
    assert (await a.post("/graphql", json=TYPENAME, headers=auth(token))).status_code == 429

    clock.now += 5.999
    still = await a.post("/graphql", json=TYPENAME, headers=auth(token))
    assert still.status_code == 429 and still.headers["retry-after"] == "1"
    clock.now += 0.001  # exactly one token has come back
    assert (await b.post("/graphql", json=TYPENAME, headers=auth(token))).status_code == 200
    assert (await a.post("/graphql", json=TYPENAME, headers=auth(token))).status_code == 429

    clock.now += 3600  # a long pause refills to the cap, not beyond
    for n in range(10):
        ok = await a.post("/graphql", json=TYPENAME, headers=auth(token))
        assert ok.status_code == 200, n
    assert (await a.post("/graphql", json=TYPENAME, headers=auth(token))).status_code == 429


async def test_each_user_has_a_bucket_and_mutations_are_limited_too(
    replicas: Any, make_user: Any
) -> None:
    a, _, _ = await replicas(2)
    _, alice = await make_user()
    _, bob = await make_user()
    me = {"query": "mutation { logOut { ok } }"}
    assert (await a.post("/graphql", json=me, headers=auth(alice))).status_code == 200
    assert (await a.post("/graphql", json=me, headers=auth(alice))).status_code == 200
    assert (await a.post("/graphql", json=me, headers=auth(alice))).status_code == 429
    assert (await a.post("/graphql", json=me, headers=auth(bob))).status_code == 200
    # Health checks are not limited.
    assert (await a.get("/healthz")).status_code == 200


async def test_anonymous_clients_are_limited_per_ip_behind_trusted_proxies(
    settings: Any, redis: Any, override_settings: Any
) -> None:
    from graphql_api.app import create_app

    override_settings(trusted_proxies="127.0.0.1,10.0.0.0/8")
    app = create_app(
        settings.model_copy(update={"rate_limit_per_minute": 2}), manage_connections=False
    )
    app.state.rate_limiter.clock = FrozenClock()

    def from_peer(peer: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def status(client: httpx.AsyncClient, forwarded: str | None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return (await client.post("/graphql", json=TYPENAME, headers=headers)).status_code

    async with from_peer("10.1.2.3") as proxy, from_peer("203.0.113.9") as direct:
        # Behind our proxy chain the client is the first untrusted hop from the right.
        chain = "6.6.6.6, 198.51.100.7, 127.0.0.1"
        assert [await status(proxy, chain) for _ in range(3)] == [200, 200, 429]
        assert await status(proxy, "198.51.100.8") == 200
        # A client talking to us directly cannot choose its bucket with the header.
        assert [await status(direct, "198.51.100.9") for _ in range(3)] == [200, 200, 429]
        assert await status(direct, "198.51.100.10") == 429
        assert await status(direct, None) == 429


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.1", None, "198.51.100.1"),
        ("198.51.100.1", "1.2.3.4", "198.51.100.1"),  # untrusted peer: header ignored
        ("127.0.0.1", "1.2.3.4", "1.2.3.4"),
        ("127.0.0.1", "9.9.9.9, 1.2.3.4", "1.2.3.4"),  # the leftmost hop is the client's word
        ("127.0.0.1", "1.2.3.4, 127.0.0.1", "1.2.3.4"),
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        (None, "1.2.3.4", "unknown"),
    ],
)
def test_client_ip(
    override_settings: Any, peer: str | None, forwarded: str | None, expected: str
) -> None:
    override_settings(trusted_proxies="127.0.0.1")  # behind a proxy on the host
    assert client_ip(peer, forwarded) == expected
