"""Local backend specifics: signed-URL checks, the HTTP routes and on-disk safety."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.config import Settings
from core.storage.base import InvalidKey, ObjectMissing, StorageError
from core.storage.local import LocalStore, verify
from tests.storage.conftest import LOCAL_MAX_UPLOAD


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def test_verify_function(local_store: LocalStore, local_settings: Settings) -> None:
    target = await local_store.presigned_put("v/key.mp4", "video/mp4", expires_in=60)
    q = _query(target.url)
    assert q["method"] == "PUT"
    assert int(q["expires"]) > time.time()
    args = ("PUT", "v/key.mp4", q["expires"], q["sig"])
    assert verify(*args, "video/mp4", settings=local_settings)
    assert not verify(*args, "text/html", settings=local_settings)
    assert not verify("GET", *args[1:], "video/mp4", settings=local_settings)
    assert not verify("PUT", "v/other.mp4", *args[2:], "video/mp4", settings=local_settings)
    later = str(int(q["expires"]) + 1)
    assert not verify("PUT", "v/key.mp4", later, q["sig"], "video/mp4", settings=local_settings)
    assert not verify("PUT", "v/key.mp4", "soon", q["sig"], "video/mp4", settings=local_settings)
    other_secret = local_settings.model_copy(update={"secret_key": "another"})
    assert not verify(*args, "video/mp4", settings=other_secret)


async def test_url_shape(local_store: LocalStore, local_settings: Settings) -> None:
    url = await local_store.presigned_get("dir/a b.mp4")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == local_settings.public_base_url
    assert parts.path == "/storage/dir/a%20b.mp4"
    assert set(_query(url)) == {"expires", "method", "sig"}


async def test_put_writes_content_type_sidecar_and_get_streams_it(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    key = "r/clip.webm"
    target = await local_store.presigned_put(key, "video/webm")
    body = os.urandom(3 * 1024 * 1024 + 17)  # several write buffers

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    resp = await local_http.put(target.url, content=chunks(), headers=target.headers)
    assert resp.status_code == 200
    url = await local_store.presigned_get(key)
    got = await local_http.get(url)
    assert got.content == body
    assert got.headers["content-type"] == "video/webm"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert list((local_store.root / "tmp").iterdir()) == []


async def test_get_supports_range_and_head(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    await local_store.put_bytes("r/range.bin", bytes(range(256)), "application/octet-stream")
    url = await local_store.presigned_get("r/range.bin")
    part = await local_http.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == bytes(range(10, 20))
    assert part.headers["content-range"] == "bytes 10-19/256"
    head = await local_http.head(url)
    assert head.status_code == 200
    assert head.headers["content-length"] == "256"
    assert head.content == b""


async def test_content_type_guessed_without_sidecar(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    path = local_store.object_path("r/plain.srt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    got = await local_http.get(await local_store.presigned_get("r/plain.srt"))
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/x-subrip")


async def test_get_url_cannot_be_used_to_put(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    url = await local_store.presigned_get("r/readonly.bin")
    resp = await local_http.put(url, content=b"x")
    assert resp.status_code == 403
    assert await local_store.exists("r/readonly.bin") is False
    put = await local_store.presigned_put("r/readonly.bin", "video/mp4")
    assert (await local_http.get(put.url)).status_code == 403


async def test_missing_signature_refused(local_http: httpx.AsyncClient) -> None:
    assert (await local_http.get("/storage/r/x.bin")).status_code == 403
    resp = await local_http.put("/storage/r/x.bin?method=PUT&expires=99999999999", content=b"x")
    assert resp.status_code == 403


async def test_expired_response_says_so(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    url = await local_store.presigned_get("r/x.bin", expires_in=-5)
    resp = await local_http.get(url)
    assert resp.status_code == 403
    assert "expired" in resp.text


async def test_body_over_limit_is_413_and_nothing_written(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    target = await local_store.presigned_put("r/huge.bin", "video/mp4")
    resp = await local_http.put(
        target.url, content=b"\0" * (LOCAL_MAX_UPLOAD + 1), headers=target.headers
    )
    assert resp.status_code == 413

    async def unsized():  # type: ignore[no-untyped-def]
        for _ in range(LOCAL_MAX_UPLOAD // 65536 + 1):
            yield b"\0" * 65536

    resp = await local_http.put(target.url, content=unsized(), headers=target.headers)
    assert resp.status_code == 413
    assert await local_store.exists("r/huge.bin") is False
    assert list((local_store.root / "tmp").iterdir()) == []


@pytest.mark.parametrize(
    "raw_path",
    [
        "/storage/..%2F..%2Fescape.txt",
        "/storage/a/%2e%2e/%2e%2e/%2e%2e/escape.txt",
        "/storage//abs",
    ],
)
async def test_path_traversal_over_http_refused(
    local_store: LocalStore, local_http: httpx.AsyncClient, raw_path: str
) -> None:
    before = sorted(p.name for p in local_store.root.parent.iterdir())
    resp = await local_http.put(f"{raw_path}?method=PUT&expires=99999999999&sig=00", content=b"x")
    assert resp.status_code in (400, 403)
    assert (await local_http.get(raw_path)).status_code in (400, 403)
    assert sorted(p.name for p in local_store.root.parent.iterdir()) == before


async def test_symlink_out_of_root_refused(local_store: LocalStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = local_store.object_path("links/out")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidKey):
        await local_store.put_bytes("links/out/file.txt", b"x")
    assert list(outside.iterdir()) == []


async def test_key_clashing_with_a_folder_is_refused(local_store: LocalStore) -> None:
    await local_store.put_bytes("clash/a/b", b"x")
    with pytest.raises(InvalidKey):
        await local_store.put_bytes("clash/a", b"y")
    assert await local_store.get_bytes("clash/a/b") == b"x"


async def test_delete_prunes_empty_folders(local_store: LocalStore) -> None:
    await local_store.put_bytes("prune/x/y/z.bin", b"x")
    await local_store.delete("prune/x/y/z.bin")
    assert not (local_store.root / "objects" / "prune").exists()
    assert not (local_store.root / "meta" / "prune").exists()


async def test_part_url_is_bound_to_its_upload(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    key = "mp/a.mp4"
    first = await local_store.create_multipart(key, "video/mp4")
    second = await local_store.create_multipart(key, "video/mp4")
    url = await local_store.presigned_part(key, first, 1)
    resp = await local_http.put(url.replace(first, second), content=b"x")
    assert resp.status_code == 403
    resp = await local_http.put(url.replace("part=1", "part=2"), content=b"x")
    assert resp.status_code == 403
    with pytest.raises(ObjectMissing):
        await local_store.presigned_part("mp/other.mp4", first, 1)
    with pytest.raises(ObjectMissing):
        await local_store.presigned_part(key, "../../etc", 1)


async def test_part_upload_after_abort_is_404(
    local_store: LocalStore, local_http: httpx.AsyncClient
) -> None:
    key = "mp/gone.mp4"
    upload_id = await local_store.create_multipart(key, "video/mp4")
    url = await local_store.presigned_part(key, upload_id, 1)
    await local_store.abort_multipart(key, upload_id)
    assert (await local_http.put(url, content=b"x")).status_code == 404


async def test_ping_fails_when_root_missing(tmp_path: Path) -> None:
    store = LocalStore(Settings(_env_file=None, storage_dir=tmp_path / "none"))  # type: ignore[call-arg]
    with pytest.raises(StorageError, match="missing or not writable"):
        await store.ping()
    await store.ensure_bucket()
    await store.ping()
