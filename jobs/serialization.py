"""JSON (not pickle) for arq job payloads, set on both the pool and the worker."""

from __future__ import annotations

import json
from typing import Any


def serialize(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), default=str).encode()


def deserialize(data: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(data)
    return result
