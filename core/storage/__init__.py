"""Object storage: one interface, two real backends (S3-compatible and local disk)."""

from core.storage.base import (
    MultipartPart,
    ObjectMissing,
    ObjectStore,
    PresignedRequest,
    StorageError,
)

__all__ = ["MultipartPart", "ObjectMissing", "ObjectStore", "PresignedRequest", "StorageError"]
