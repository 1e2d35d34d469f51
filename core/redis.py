"""Redis connections: one pool per process per URL, shared by rate limits, events and arq."""

from __future__ import annotations

from redis.asyncio import Redis

from core.config import get_settings

_clients: dict[str, Redis] = {}


def redis_url() -> str:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("no Redis URL: start the embedded server or set CLIPFORGE_REDIS_URL")
    return url


def get_redis(url: str | None = None) -> Redis:
    """A shared client (connection pool) for this process."""
    url = url or redis_url()
    client = _clients.get(url)
    if client is None:
        client = Redis.from_url(url, decode_responses=False, health_check_interval=15)
        _clients[url] = client
    return client


async def close_redis() -> None:
    clients = list(_clients.values())
    _clients.clear()
    for client in clients:
        await client.aclose()
