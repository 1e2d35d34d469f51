"""S3-compatible backend (AWS S3, MinIO, SeaweedFS) through aioboto3.

One aioboto3 session and one lazily opened client per store: opening a client costs a
connection pool, so it is kept until ``close()``. Path-style addressing and SigV4 make the
same code work against S3 and self-hosted servers that have no virtual-host DNS.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import aioboto3
import aiohttp
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.config import Settings
from core.storage.base import (
    InvalidPart,
    MultipartPart,
    ObjectChanged,
    ObjectMissing,
    ObjectStat,
    PresignedRequest,
    StorageError,
)
from core.storage.keys import check_key, check_prefix
from core.storage.sigv4 import QueryPresigner

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_MISSING_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
_BUCKET_MISSING_CODES = {"404", "NoSuchBucket", "NotFound"}
_PART_CODES = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}
_CHANGED_CODES = {"PreconditionFailed", "412"}
_DELETE_BATCH = 1000


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextlib.contextmanager
def _mapped(what: str, key: str = "") -> Iterator[None]:
    """Turn botocore failures into the store's error types (callers never see botocore)."""
    try:
        yield
    except ClientError as exc:
        code = _error_code(exc)
        if code in _MISSING_CODES:
            raise ObjectMissing(key or what) from exc
        if code in _PART_CODES:
            raise InvalidPart(f"{what} {key}: {code}") from exc
        if code in _CHANGED_CODES:
            raise ObjectChanged(f"{what} {key}: the object is another version") from exc
        raise StorageError(f"{what} {key}: {code or exc}") from exc
    except (TimeoutError, BotoCoreError, aiohttp.ClientError, OSError) as exc:
        raise StorageError(f"{what} {key}: {exc}") from exc


def _quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'


class S3Store:
    """ObjectStore on one bucket of an S3-compatible server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.s3_bucket
        self._session = aioboto3.Session(
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
            region_name=settings.s3_region,
        )
        self._config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            # Self-hosted S3 servers reject the CRC headers newer botocore adds by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client_cm: AbstractAsyncContextManager[Any] | None = None
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._presigner: QueryPresigner | Literal[False] | None = None  # None: not made yet

    # ------------------------------------------------------------------ client
    async def _get_client(self) -> Any:
        """The shared client, opened on first use (and again if the event loop changed)."""
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        if self._lock is None or self._loop is not loop:
            # A client is bound to the loop it was made on; a new loop gets a new client.
            self._lock = asyncio.Lock()
            self._client = None
            self._client_cm = None
            self._loop = loop
        async with self._lock:
            if self._client is None:
                cm = self._session.client(
                    "s3", endpoint_url=self.settings.s3_endpoint_url, config=self._config
                )
                with _mapped("connect"):
                    self._client = await cm.__aenter__()
                self._client_cm = cm
            return self._client

    async def close(self) -> None:
        cm, loop = self._client_cm, self._loop
        self._client_cm = None
        self._client = None
        if cm is not None and loop is asyncio.get_running_loop():
            await cm.__aexit__(None, None, None)

    # ---------------------------------------------------------------- bucket
    async def ping(self) -> None:
        client = await self._get_client()
        with _mapped("ping", self.bucket):
            try:
                await client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _error_code(exc) in _BUCKET_MISSING_CODES:
                    raise StorageError(f"bucket {self.bucket} does not exist") from exc
                raise

    async def ensure_bucket(self) -> None:
        client = await self._get_client()
        with _mapped("ensure_bucket", self.bucket):
            try:
                await client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if _error_code(exc) not in _BUCKET_MISSING_CODES:
                    raise
            try:
                await client.create_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _error_code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise

    # --------------------------------------------------------------- objects
    async def put_bytes(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        client = await self._get_client()
        with _mapped("put", check_key(key)):
            await client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )

    async def put_file(
        self, key: str, path: Path, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        client = await self._get_client()
        with _mapped("put_file", check_key(key)):
            # upload_file switches to multipart for large files.
            await client.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}
            )

    async def get_bytes(self, key: str) -> bytes:
        client = await self._get_client()
        with _mapped("get", check_key(key)):
            resp = await client.get_object(Bucket=self.bucket, Key=key)
            body = resp["Body"]
            async with body:  # returns the connection to the pool even on errors
                data: bytes = await body.read()
            return data

    async def download(self, key: str, dest: Path, *, if_match: str | None = None) -> None:
        """Stream to a temp file beside ``dest`` and rename, so ``dest`` is never partial.
        With `if_match`, S3 itself refuses another version (412: ObjectChanged)."""
        client = await self._get_client()
        check_key(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dl-", dir=dest.parent)
        os.close(fd)
        condition = {"IfMatch": _quoted(if_match)} if if_match else {}
        try:
            with _mapped("download", key):
                resp = await client.get_object(Bucket=self.bucket, Key=key, **condition)
                body = resp["Body"]
                async with body:
                    with open(tmp, "wb") as fh:  # noqa: ASYNC230 - chunked, see below
                        async for chunk in body.iter_chunks(1024 * 1024):
                            await asyncio.to_thread(fh.write, chunk)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    async def size(self, key: str) -> int | None:
        found = await self.stat(key)
        return None if found is None else found.size

    async def stat(self, key: str) -> ObjectStat | None:
        client = await self._get_client()
        try:
            with _mapped("head", check_key(key)):
                resp = await client.head_object(Bucket=self.bucket, Key=key)
        except ObjectMissing:
            return None
        return ObjectStat(int(resp["ContentLength"]), str(resp.get("ETag", "")).strip('"'))

    async def exists(self, key: str) -> bool:
        return await self.size(key) is not None

    async def delete(self, key: str) -> None:
        """Deleting a missing key is not an error (S3 semantics)."""
        client = await self._get_client()
        with _mapped("delete", check_key(key)):
            await client.delete_object(Bucket=self.bucket, Key=key)

    async def list_keys(self, prefix: str) -> list[str]:
        client = await self._get_client()
        keys: list[str] = []
        with _mapped("list", check_prefix(prefix)):
            paginator = client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key under ``prefix``; returns how many were deleted."""
        if not prefix:
            raise StorageError("refusing to delete the whole bucket (empty prefix)")
        client = await self._get_client()
        keys = await self.list_keys(prefix)
        deleted = 0
        with _mapped("delete_prefix", prefix):
            for start in range(0, len(keys), _DELETE_BATCH):
                batch = keys[start : start + _DELETE_BATCH]
                resp = await client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
                errors = resp.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise StorageError(
                        f"delete_prefix {prefix}: {len(errors)} failed, e.g. "
                        f"{first.get('Key')}: {first.get('Code')}"
                    )
                deleted += len(batch)
        return deleted

    # -------------------------------------------------------------- presigned
    def _ttl(self, expires_in: int | None) -> int:
        return int(expires_in if expires_in is not None else self.settings.presign_ttl_seconds)

    async def presigned_put(
        self, key: str, content_type: str, expires_in: int | None = None
    ) -> PresignedRequest:
        """The client must send the returned headers: Content-Type and `If-None-Match: *` are
        part of the signature, so the URL creates the object once and never replaces it."""
        client = await self._get_client()
        ttl = self._ttl(expires_in)
        params = {"Bucket": self.bucket, "Key": key, "ContentType": content_type}
        with _mapped("presign_put", check_key(key)):
            url = await client.generate_presigned_url(
                "put_object",
                Params={**params, "IfNoneMatch": "*"},
                ExpiresIn=ttl,
                HttpMethod="PUT",
            )
        return PresignedRequest(
            url=url,
            method="PUT",
            headers={"Content-Type": content_type, "If-None-Match": "*"},
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )

    async def presigned_get(self, key: str, expires_in: int | None = None) -> str:
        check_key(key)
        signer = self._presigner if self._presigner is not None else await self._make_presigner()
        if signer:
            return signer.get_url(key, self._ttl(expires_in))
        client = await self._get_client()
        with _mapped("presign_get", key):
            url: str = await client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": key},
                ExpiresIn=self._ttl(expires_in),
            )
        return url

    def quick_get(self, key: str) -> str | None:
        """Only once the fast signer is made (static credentials, after the first presign)."""
        signer = self._presigner
        return signer.get_url(check_key(key), self._ttl(None)) if signer else None

    async def _make_presigner(self) -> QueryPresigner | Literal[False]:
        """The fast GET signer, for static credentials (else False: botocore signs)."""
        access, secret = self.settings.s3_access_key_id, self.settings.s3_secret_access_key
        if not access or not secret:
            self._presigner = False
            return False
        client = await self._get_client()
        self._presigner = QueryPresigner(
            client.meta.endpoint_url, self.bucket, access, secret, client.meta.region_name
        )
        return self._presigner

    # -------------------------------------------------------------- multipart
    async def create_multipart(self, key: str, content_type: str) -> str:
        client = await self._get_client()
        with _mapped("create_multipart", check_key(key)):
            resp = await client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType=content_type
            )
        return str(resp["UploadId"])

    async def presigned_part(
        self, key: str, upload_id: str, part_number: int, expires_in: int | None = None
    ) -> str:
        """A PUT URL for one part; the response's ETag header is what complete needs."""
        if not 1 <= part_number <= 10000:
            raise InvalidPart(f"part number {part_number} outside 1..10000")
        client = await self._get_client()
        with _mapped("presign_part", check_key(key)):
            url: str = await client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "UploadId": upload_id,
                    "PartNumber": part_number,
                },
                ExpiresIn=self._ttl(expires_in),
                HttpMethod="PUT",
            )
        return url

    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[MultipartPart]
    ) -> None:
        if not parts:
            raise InvalidPart("no parts")
        client = await self._get_client()
        ordered = sorted(parts, key=lambda p: p.part_number)
        with _mapped("complete_multipart", check_key(key)):
            await client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [
                        {"ETag": _quoted(p.etag), "PartNumber": p.part_number} for p in ordered
                    ]
                },
            )

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        client = await self._get_client()
        with _mapped("abort_multipart", check_key(key)):
            await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
