"""S3 failures reach callers as the store's own error types, never as botocore's."""

from __future__ import annotations

import socket

import pytest

from core.storage.base import ObjectMissing, StorageError
from core.storage.s3 import S3Store
from tests.servers.seaweed import SeaweedServer
from tests.storage.conftest import s3_settings_for


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_server_is_storage_error(seaweed: SeaweedServer) -> None:
    settings = s3_settings_for(seaweed, "clipforge-test").model_copy(
        update={"s3_endpoint_url": f"http://127.0.0.1:{_closed_port()}"}
    )
    store = S3Store(settings)
    try:
        with pytest.raises(StorageError) as info:
            await store.ping()
        assert not isinstance(info.value, ObjectMissing)
        with pytest.raises(StorageError):
            await store.get_bytes("k")
    finally:
        await store.close()


async def test_wrong_credentials_are_storage_error(seaweed: SeaweedServer) -> None:
    settings = s3_settings_for(seaweed, "clipforge-test").model_copy(
        update={"s3_secret_access_key": "wrong"}
    )
    store = S3Store(settings)
    try:
        with pytest.raises(StorageError) as info:
            await store.put_bytes("k", b"x")
        assert not isinstance(info.value, ObjectMissing)
    finally:
        await store.close()


async def test_missing_bucket_ping_fails_and_ensure_bucket_creates_it(
    seaweed: SeaweedServer,
) -> None:
    store = S3Store(s3_settings_for(seaweed, "clipforge-fresh"))
    try:
        with pytest.raises(StorageError, match="does not exist"):
            await store.ping()
        await store.ensure_bucket()
        await store.ensure_bucket()  # idempotent
        await store.ping()
        await store.put_bytes("k", b"x")
        assert await store.get_bytes("k") == b"x"
    finally:
        await store.close()


async def test_client_is_reused_and_reopened_after_close(s3_store: S3Store) -> None:
    first = await s3_store._get_client()
    assert await s3_store._get_client() is first
    await s3_store.close()
    await s3_store.ping()  # a closed store opens a new client on next use
    assert await s3_store._get_client() is not first
