"""Fixtures: one SeaweedFS per session, and a ``backend`` fixture running tests on both stores."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from core.config import Settings
from core.storage.base import ObjectStore
from core.storage.local import LocalStore
from core.storage.s3 import S3Store
from graphql_api.storage_routes import routes
from tests.servers.seaweed import SeaweedServer, seaweed_server

LOCAL_BASE_URL = "http://storage.test"
LOCAL_MAX_UPLOAD = 8 * 1024 * 1024


@dataclass
class Backend:
    """A store plus an HTTP client that can reach the URLs it signs."""

    name: str
    store: ObjectStore
    http: httpx.AsyncClient
    prefix: str

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    with seaweed_server(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


def s3_settings_for(server: SeaweedServer, bucket: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        storage_backend="s3",
        s3_endpoint_url=server.endpoint_url,
        s3_bucket=bucket,
        s3_access_key_id=server.access_key,
        s3_secret_access_key=server.secret_key,
        s3_region=server.region,
    )


@pytest.fixture(scope="session")
async def s3_store(seaweed: SeaweedServer) -> AsyncIterator[S3Store]:
    store = S3Store(s3_settings_for(seaweed, "clipforge-test"))
    await store.ensure_bucket()
    yield store
    await store.close()


@pytest.fixture(scope="session")
def local_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        storage_backend="local",
        storage_dir=tmp_path_factory.mktemp("local-store"),
        public_base_url=LOCAL_BASE_URL,
        secret_key="test-secret-" + secrets.token_hex(8),
        max_upload_bytes=LOCAL_MAX_UPLOAD,
    )


@pytest.fixture(scope="session")
async def local_store(local_settings: Settings) -> LocalStore:
    store = LocalStore(local_settings)
    await store.ensure_bucket()
    return store


def storage_app(store: LocalStore) -> Starlette:
    """An app with just the storage routes, bound to ``store``."""
    app = Starlette(routes=routes)
    app.state.object_store = store
    return app


@pytest.fixture(scope="session")
async def local_http(local_store: LocalStore) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=storage_app(local_store))
    async with httpx.AsyncClient(transport=transport, base_url=LOCAL_BASE_URL) as client:
        yield client


@pytest.fixture(scope="session")
async def s3_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test using this runs once per backend, under its own key prefix."""
    name: str = request.param
    store = request.getfixturevalue(f"{name}_store")
    http = request.getfixturevalue(f"{name}_http")
    return Backend(name, store, http, f"t/{secrets.token_hex(6)}/")


@pytest.fixture
def local_root(local_store: LocalStore) -> Path:
    return local_store.root
