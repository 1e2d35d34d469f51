"""The fast signers make exactly the URLs the slow paths made: botocore's for S3, the
urlencode-based builder for local storage; and the compiled key check agrees with the rules."""

from __future__ import annotations

import random
import time
from urllib.parse import quote, urlencode

import httpx
import pytest

from core.storage.base import InvalidKey
from core.storage.keys import _explain, check_key
from core.storage.s3 import S3Store
from core.storage.signing import UrlSigner, check_signature, signature
from core.storage.sigv4 import QueryPresigner

KEYS = [
    "clips/0d6f1c1a/12/thumb.jpg",
    "uploads/u 1/tälk (final)+v2.mp4",
    "a/b~c/d;e=f&g/🏃.mp4",
]


async def test_s3_urls_are_botocore_s_urls(s3_store: S3Store) -> None:
    client = await s3_store._get_client()
    settings = s3_store.settings
    assert settings.s3_access_key_id and settings.s3_secret_access_key
    signer = QueryPresigner(
        client.meta.endpoint_url,
        s3_store.bucket,
        settings.s3_access_key_id,
        settings.s3_secret_access_key,
        client.meta.region_name,
    )
    for key in KEYS:
        for _ in range(5):  # both must fall in the same second (the date is signed)
            before = time.time()
            theirs = await client.generate_presigned_url(
                "get_object", Params={"Bucket": s3_store.bucket, "Key": key}, ExpiresIn=900
            )
            ours = signer.get_url(key, 900, now=before)
            if int(before) == int(time.time()):
                break
        assert ours == theirs


async def test_the_store_signs_gets_with_the_fast_signer(s3_store: S3Store) -> None:
    key = "cheap/object.bin"
    await s3_store.put_bytes(key, b"payload")
    url = await s3_store.presigned_get(key, expires_in=60)
    assert isinstance(s3_store._presigner, QueryPresigner)
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).content == b"payload"
        tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
        assert (await http.get(tampered)).status_code == 403


def reference_url(base: str, secret: str, method: str, key: str, expires: int, **extra: str) -> str:
    """The builder as it was (urlencode), kept here as the reference."""
    query = {"expires": str(expires), "method": method.upper()}
    if extra.get("upload_id"):
        query["upload_id"] = extra["upload_id"]
    if extra.get("part"):
        query["part"] = extra["part"]
    query["sig"] = signature(
        secret,
        method,
        key,
        expires,
        extra.get("content_type", ""),
        extra.get("upload_id", ""),
        int(extra["part"]) if extra.get("part") else None,
    )
    return f"{base.rstrip('/')}/storage/{quote(key, safe='/')}?{urlencode(query)}"


@pytest.mark.parametrize("key", KEYS)
def test_local_urls_are_unchanged(key: str) -> None:
    signer = UrlSigner("http://127.0.0.1:8000/", "secret")
    assert signer.url("GET", key, 1_900_000_000) == reference_url(
        "http://127.0.0.1:8000", "secret", "GET", key, 1_900_000_000
    )
    assert signer.url(
        "PUT", key, 1_900_000_000, content_type="video/mp4", upload_id="ab12", part_number=3
    ) == reference_url(
        "http://127.0.0.1:8000",
        "secret",
        "PUT",
        key,
        1_900_000_000,
        content_type="video/mp4",
        upload_id="ab12",
        part="3",
    )
    sig = signer.signature("GET", key, 1_900_000_000)
    assert check_signature("secret", "GET", key, 1_900_000_000, sig, now=0)


def test_the_compiled_key_check_agrees_with_each_rule() -> None:
    rng = random.Random(7)
    alphabet = "ab./\\\x00\x1f\x7fé🏃 -_"
    for _ in range(20_000):
        key = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        try:
            check_key(key)
            fast_ok = True
        except InvalidKey:
            fast_ok = False
        with pytest.raises(InvalidKey) as why:
            _explain(key)  # raises for every key: with its rule, or "invalid key" for good ones
        assert fast_ok == (str(why.value) == "invalid key"), repr(key)
    for key in ("a" * 1024, "é" * 512, "🏃" * 256):
        assert check_key(key) == key
    for key in ("a" * 1025, "é" * 513, "🏃" * 257):
        with pytest.raises(InvalidKey, match="too long"):
            check_key(key)
