"""Fixtures on real services: a fresh PostgreSQL database per run, a real Redis, local storage."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import Settings, configure
from tests.servers.databases import fresh_database, postgres_server, redis_server


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("services")
    with (
        postgres_server(tmp) as admin_url,
        fresh_database(admin_url) as db_url,
        redis_server(tmp) as r_url,
    ):
        yield {"database_url": db_url, "redis_url": r_url}


@pytest.fixture(scope="session")
def settings(service_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("var")
    return configure(
        env="test",
        database_url=service_urls["database_url"],
        redis_url=service_urls["redis_url"],
        storage_backend="local",
        storage_dir=var / "storage",
        var_dir=var,
        secret_key="test-secret-" + uuid.uuid4().hex,
        public_base_url="http://testserver",
        log_json=False,
    )


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[None]:
    from orm.database import close_db, init_db, migrate

    await migrate(settings.database_url)
    await init_db(settings.database_url)
    yield
    await close_db()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Any]:
    from core.redis import get_redis

    client = get_redis()
    await client.flushdb()
    yield client


@pytest.fixture(scope="session")
async def app(db: None, settings: Settings) -> Any:
    from core.storage.factory import get_store
    from graphql_api.app import create_app

    await get_store().ensure_bucket()  # what the lifespan does when it owns the connections
    return create_app(settings, manage_connections=False)


@pytest.fixture
async def client(app: Any, redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class GQL:
    """Posts GraphQL operations the way Apollo Client does."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        expect_errors: bool = False,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = resp.json()
        if not expect_errors:
            assert "errors" not in body, body
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GQL:
    return GQL(client)


@pytest.fixture
def make_user(db: None) -> Any:
    """Creates a user with a balance (ledger-consistent) and returns (user, access token)."""
    from tests.factories import create_user

    return create_user


@pytest.fixture(scope="session")
def storage_dir(settings: Settings) -> Path:
    return settings.storage_root
