"""The body of a delivery: ``{"type", "timestamp", "data"}`` as the specification shapes it.

The body is built once, when the event is recorded (the outbox row keeps these bytes), and
every attempt sends the same bytes with the same id; only the signature's timestamp moves.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class WebhookEvent(StrEnum):
    """Member names are the GraphQL enum; values are the payload's dotted ``type``."""

    UPLOAD_READY = "upload.ready"
    UPLOAD_FAILED = "upload.failed"
    EXPORT_READY = "export.ready"
    EXPORT_FAILED = "export.failed"


def new_message_id() -> str:
    """A webhook-id: unique per event, kept across retries (receivers deduplicate on it)."""
    return "msg_" + uuid.uuid4().hex


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("event times are timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_body(event: WebhookEvent, data: Mapping[str, Any], occurred_at: datetime) -> bytes:
    """Compact UTF-8 JSON; ``data`` must be JSON-ready (ids, numbers, strings, ISO times)."""
    envelope = {"type": event.value, "timestamp": _iso(occurred_at), "data": dict(data)}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
