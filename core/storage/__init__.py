"""Object storage: one interface, two real backends (S3-compatible and local disk)."""

from core.storage.base import (
    InvalidKey,
    InvalidPart,
    MultipartPart,
    ObjectChanged,
    ObjectExists,
    ObjectMissing,
    ObjectStat,
    ObjectStore,
    PresignedRequest,
    StorageError,
)
from core.storage.factory import close_store, get_store

__all__ = [
    "InvalidKey",
    "InvalidPart",
    "MultipartPart",
    "ObjectChanged",
    "ObjectExists",
    "ObjectMissing",
    "ObjectStat",
    "ObjectStore",
    "PresignedRequest",
    "StorageError",
    "close_store",
    "get_store",
]
