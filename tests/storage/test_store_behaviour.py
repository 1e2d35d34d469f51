"""The same behaviour from both backends: local disk and S3 (a real SeaweedFS)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from core.storage.base import InvalidKey, InvalidPart, MultipartPart, ObjectMissing
from tests.storage.conftest import Backend

PART = 5 * 1024 * 1024  # S3's smallest non-final part


def _tamper(url: str, param: str) -> str:
    """Change one query parameter's value, keeping the rest of the signed URL."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    changed = []
    for name, value in query:
        if name == param:
            value = (value[:-1] + ("0" if value[-1] != "0" else "1")) if value else "1"
        changed.append((name, value))
    assert [n for n, _ in changed] == [n for n, _ in query]
    assert changed != query, f"{param} not in {url}"
    return urlunsplit(parts._replace(query=urlencode(changed)))


def _signature_param(backend: Backend) -> str:
    return "sig" if backend.name == "local" else "X-Amz-Signature"


async def test_put_get_size_exists_delete(backend: Backend) -> None:
    store, key = backend.store, backend.key("a/b.bin")
    assert await store.exists(key) is False
    assert await store.size(key) is None
    await store.put_bytes(key, b"hello world", "application/octet-stream")
    assert await store.get_bytes(key) == b"hello world"
    assert await store.size(key) == 11
    assert await store.exists(key) is True
    await store.put_bytes(key, b"replaced")
    assert await store.get_bytes(key) == b"replaced"
    await store.delete(key)
    assert await store.exists(key) is False
    await store.delete(key)  # deleting a missing key is not an error


async def test_missing_key_raises_object_missing(backend: Backend, tmp_path: Path) -> None:
    key = backend.key("nope.mp4")
    with pytest.raises(ObjectMissing):
        await backend.store.get_bytes(key)
    with pytest.raises(ObjectMissing):
        await backend.store.download(key, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


async def test_put_file_and_download(backend: Backend, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    data = os.urandom(300_000)
    src.write_bytes(data)
    key = backend.key("file.bin")
    await backend.store.put_file(key, src, "video/mp4")
    dest = tmp_path / "nested" / "dest.bin"
    await backend.store.download(key, dest)
    assert dest.read_bytes() == data
    assert [p.name for p in dest.parent.iterdir()] == ["dest.bin"]  # no temp file left


async def test_list_keys_and_delete_prefix(backend: Backend) -> None:
    store = backend.store
    inside = [backend.key(k) for k in ("u1/a.txt", "u1/b/c.txt", "u1/b/d.txt")]
    outside = [backend.key(k) for k in ("u10/x.txt", "u2/y.txt")]
    for k in inside + outside:
        await store.put_bytes(k, k.encode(), "text/plain")
    assert await store.list_keys(backend.key("u1/")) == sorted(inside)
    assert await store.list_keys(backend.key("u1")) == sorted(inside + outside[:1])
    assert await store.list_keys(backend.key("none/")) == []
    assert await store.delete_prefix(backend.key("u1/")) == 3
    assert await store.list_keys(backend.prefix) == sorted(outside)
    assert await store.get_bytes(outside[0]) == outside[0].encode()


@pytest.mark.parametrize(
    "bad", ["../escape", "a/../../b", "/etc/passwd", "a\x00b", "a//b", "a/./b", "", "a\\b"]
)
async def test_unsafe_keys_refused(backend: Backend, bad: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.store.put_bytes(bad, b"x")
    with pytest.raises(InvalidKey):
        await backend.store.presigned_put(bad, "video/mp4")


async def test_presigned_put_then_get_over_http(backend: Backend) -> None:
    key = backend.key("up/original.mp4")
    target = await backend.store.presigned_put(key, "video/mp4", expires_in=600)
    assert target.method == "PUT"
    assert target.headers == {"Content-Type": "video/mp4", "If-None-Match": "*"}
    assert target.expires_at is not None and target.expires_at > datetime.now(UTC)
    body = os.urandom(100_000)
    put = await backend.http.put(target.url, content=body, headers=target.headers)
    assert put.status_code == 200, put.text
    assert put.headers["etag"].strip('"') == hashlib.md5(body).hexdigest()
    assert await backend.store.size(key) == len(body)

    url = await backend.store.presigned_get(key, expires_in=600)
    got = await backend.http.get(url)
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "video/mp4"


async def test_presigned_get_of_missing_key_is_404(backend: Backend) -> None:
    url = await backend.store.presigned_get(backend.key("missing.bin"))
    assert (await backend.http.get(url)).status_code == 404


async def test_tampered_presigned_urls_refused(backend: Backend) -> None:
    key = backend.key("t.bin")
    await backend.store.put_bytes(key, b"secret")
    sig = _signature_param(backend)
    get_url = await backend.store.presigned_get(key)
    assert (await backend.http.get(get_url)).status_code == 200
    assert (await backend.http.get(_tamper(get_url, sig))).status_code == 403
    # The signature covers the key: the same query on another key is refused.
    other = get_url.replace("/t.bin?", "/u.bin?")
    assert other != get_url
    assert (await backend.http.get(other)).status_code == 403

    target = await backend.store.presigned_put(key, "video/mp4")
    bad = await backend.http.put(_tamper(target.url, sig), content=b"x", headers=target.headers)
    assert bad.status_code == 403
    assert await backend.store.get_bytes(key) == b"secret"


async def test_presigned_put_with_wrong_content_type_refused(backend: Backend) -> None:
    key = backend.key("ct.mp4")
    target = await backend.store.presigned_put(key, "video/mp4")
    resp = await backend.http.put(target.url, content=b"x", headers={"Content-Type": "text/html"})
    assert resp.status_code == 403
    assert await backend.store.exists(key) is False


async def test_expired_presigned_urls_refused(backend: Backend) -> None:
    key = backend.key("exp.bin")
    await backend.store.put_bytes(key, b"old")
    get_url = await backend.store.presigned_get(key, expires_in=1)
    target = await backend.store.presigned_put(key, "video/mp4", expires_in=1)
    await asyncio.sleep(2.2)
    assert (await backend.http.get(get_url)).status_code == 403
    resp = await backend.http.put(target.url, content=b"new", headers=target.headers)
    assert resp.status_code == 403
    assert await backend.store.get_bytes(key) == b"old"


async def _upload_parts(
    backend: Backend, key: str, upload_id: str, chunks: list[bytes]
) -> list[MultipartPart]:
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        url = await backend.store.presigned_part(key, upload_id, number)
        resp = await backend.http.put(url, content=chunk)
        assert resp.status_code == 200, resp.text
        parts.append(MultipartPart(part_number=number, etag=resp.headers["etag"]))
    return parts


async def test_multipart_through_presigned_part_urls(backend: Backend) -> None:
    key = backend.key("big/original.mp4")
    chunks = [os.urandom(PART), os.urandom(PART), os.urandom(1000)]
    upload_id = await backend.store.create_multipart(key, "video/mp4")
    parts = await _upload_parts(backend, key, upload_id, chunks)
    assert [p.etag.strip('"') for p in parts] == [hashlib.md5(c).hexdigest() for c in chunks]
    # Listed out of order: completion still assembles in part-number order.
    await backend.store.complete_multipart(key, upload_id, list(reversed(parts)))
    assert await backend.store.get_bytes(key) == b"".join(chunks)
    got = await backend.http.get(await backend.store.presigned_get(key))
    assert got.headers["content-type"] == "video/mp4"


async def test_multipart_with_wrong_etag_refused(backend: Backend) -> None:
    key = backend.key("bad-etag.mp4")
    upload_id = await backend.store.create_multipart(key, "video/mp4")
    parts = await _upload_parts(backend, key, upload_id, [os.urandom(1000)])
    wrong = [MultipartPart(1, hashlib.md5(b"other").hexdigest())]
    with pytest.raises(InvalidPart):
        await backend.store.complete_multipart(key, upload_id, wrong)
    await backend.store.complete_multipart(key, upload_id, parts)
    assert await backend.store.size(key) == 1000


async def test_multipart_abort(backend: Backend) -> None:
    key = backend.key("aborted.mp4")
    upload_id = await backend.store.create_multipart(key, "video/mp4")
    parts = await _upload_parts(backend, key, upload_id, [b"abc"])
    await backend.store.abort_multipart(key, upload_id)
    with pytest.raises(ObjectMissing):
        await backend.store.complete_multipart(key, upload_id, parts)
    assert await backend.store.exists(key) is False


async def test_ping(backend: Backend) -> None:
    await backend.store.ping()
