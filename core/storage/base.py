"""The object storage interface every backend implements (S3 via aioboto3, local disk)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol


class StorageError(Exception):
    """A storage operation failed for a reason that may pass (network, server): retryable."""


class ObjectMissing(StorageError):
    """The key (or the multipart upload) does not exist."""


class ObjectChanged(StorageError):
    """The object is not the version asked for (its ETag differs): someone replaced it."""


class ObjectExists(StorageError):
    """A write-once PUT found the key taken (S3: If-None-Match: *, 412)."""


class InvalidPart(StorageError):
    """A multipart completion named a part that was not uploaded or whose etag differs."""


class InvalidKey(ValueError):
    """The key could escape the store or is malformed ('..', absolute, NUL): a caller bug."""


@dataclass(frozen=True)
class PresignedRequest:
    """What a client needs to send bytes straight to storage."""

    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ObjectStat:
    """An object's size and ETag (unquoted), the version a later read can insist on."""

    size: int
    etag: str


@dataclass(frozen=True)
class MultipartPart:
    part_number: int
    etag: str


class ObjectStore(Protocol):
    """Keys are '/'-separated strings such as 'uploads/<id>/original.mp4'."""

    async def ping(self) -> None: ...
    async def ensure_bucket(self) -> None:
        """Create the bucket (or root folder) if missing; safe to call at every start."""
        ...

    async def put_bytes(self, key: str, data: bytes, content_type: str = ...) -> None: ...
    async def put_file(self, key: str, path: Path, content_type: str = ...) -> None: ...
    async def get_bytes(self, key: str) -> bytes: ...
    async def download(self, key: str, dest: Path, *, if_match: str | None = None) -> None:
        """Stream to `dest`; with `if_match` (an ETag), ObjectChanged unless it is that version."""
        ...

    async def size(self, key: str) -> int | None: ...
    async def stat(self, key: str) -> ObjectStat | None: ...
    async def exists(self, key: str) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> int: ...
    async def list_keys(self, prefix: str) -> list[str]: ...
    async def presigned_put(
        self, key: str, content_type: str, expires_in: int | None = None
    ) -> PresignedRequest:
        """A write-once PUT: it creates the object and cannot replace it (412 once it exists),
        so bytes checked after it arrived stay the bytes at the key."""
        ...

    async def presigned_get(self, key: str, expires_in: int | None = None) -> str: ...
    def quick_get(self, key: str) -> str | None:
        """presigned_get with the default life, signed without I/O (an API answer carries
        hundreds); None when this store must sign asynchronously just now."""
        ...

    async def create_multipart(self, key: str, content_type: str) -> str: ...
    async def presigned_part(
        self, key: str, upload_id: str, part_number: int, expires_in: int | None = None
    ) -> str: ...
    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[MultipartPart]
    ) -> None: ...
    async def abort_multipart(self, key: str, upload_id: str) -> None: ...
    async def close(self) -> None: ...
