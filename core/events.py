"""The event bus: pipeline events published to the Redis channel `user:<id>` as JSON.

Publishing never fails a job: a Redis problem is logged and counted, not raised.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from core.redis import get_redis

SCHEMA_VERSION = 1
log = logging.getLogger("clipforge.events")
publish_errors = 0


@dataclass
class PipelineEvent:
    """stage: TRANSCRIBE, CLIP, CAPTIONS, EXPORT; status: STARTED .. FAILED."""

    upload_id: str | None
    stage: str
    status: str
    progress: float = 0.0
    message: str | None = None
    clip_id: str | None = None
    export_id: str | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    v: int = SCHEMA_VERSION


def channel(user_id: uuid.UUID | str) -> str:
    return f"user:{user_id}"


async def publish(user_id: uuid.UUID | str, event: PipelineEvent) -> bool:
    """Publish to the user's channel; False (logged, counted) when Redis is unavailable."""
    global publish_errors
    try:
        await get_redis().publish(channel(user_id), json.dumps(asdict(event)))
    except Exception:  # noqa: BLE001 - never fail the caller over a lost event
        publish_errors += 1
        log.warning("event publish failed", exc_info=True)
        return False
    return True
