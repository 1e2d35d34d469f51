"""get_store picks the backend from settings and hands out one store per configuration."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings
from core.storage.factory import close_store, get_store
from core.storage.local import LocalStore
from core.storage.s3 import S3Store


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[arg-type,call-arg]


async def test_backend_choice_and_caching(tmp_path: Path) -> None:
    local = _settings(storage_dir=tmp_path / "a")
    store = get_store(local)
    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "a").resolve()
    assert get_store(_settings(storage_dir=tmp_path / "a")) is store
    assert get_store(_settings(storage_dir=tmp_path / "b")) is not store

    s3 = get_store(_settings(storage_backend="s3", s3_endpoint_url="http://127.0.0.1:1"))
    assert isinstance(s3, S3Store)
    await close_store()
    assert get_store(local) is not store
    await close_store()
