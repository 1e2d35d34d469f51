"""The event bus: pipeline events published to the Redis channel `user:<id>` as JSON.

Each event carries the schema version `v` and a per-user sequence number `seq` (a Redis
INCR), so a client can tell when it missed something. The last event of each stage of an
upload is also kept in the hash `upload_state:<upload_id>` (a few days), so a client that
connects late starts from the current state. Publishing never fails a job: a Redis problem
is logged and counted (clipforge_event_publish_errors_total), not raised.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from core.metrics import EVENT_PUBLISH_ERRORS
from core.pipeline import EventStatus, Stage
from core.redis import get_redis

SCHEMA_VERSION = 1
STAGE_ORDER = {stage.value: i for i, stage in enumerate(Stage)}
STATE_TTL_SECONDS = 3 * 24 * 3600
SEQ_TTL_SECONDS = 30 * 24 * 3600

log = logging.getLogger("clipforge.events")


publish_errors = 0  # the same count as a plain number, for tests and logs


@dataclass
class StageEvent:
    """One event of a stage (core.pipeline's Stage and EventStatus) for one user's channel.

    `next_attempt_at` (ISO time) goes with RETRYING; `seq` (per user) and `upload_seq`
    (per upload) are assigned when published.
    """

    upload_id: str | None
    stage: Stage
    status: EventStatus
    progress: float = 0.0
    message: str | None = None
    clip_id: str | None = None
    export_id: str | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    v: int = SCHEMA_VERSION
    next_attempt_at: str | None = None
    seq: int | None = None
    upload_seq: int | None = None

    def validate(self) -> None:
        if self.stage not in STAGE_ORDER:
            raise ValueError(f"unknown stage {self.stage!r}")
        if self.status not in EventStatus.__members__:
            raise ValueError(f"unknown status {self.status!r}")
        if not 0.0 <= float(self.progress) <= 1.0:
            raise ValueError(f"progress {self.progress!r} is outside 0..1")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stage"], data["status"] = str(self.stage), str(self.status)
        for key in ("upload_id", "clip_id", "export_id"):
            if data[key] is not None:
                data[key] = str(data[key])
        data["progress"] = float(data["progress"])
        return data


def channel(user_id: uuid.UUID | str) -> str:
    return f"user:{user_id}"


def state_key(upload_id: uuid.UUID | str) -> str:
    return f"upload_state:{upload_id}"


def seq_key(user_id: uuid.UUID | str) -> str:
    return f"events_seq:{user_id}"


# One round trip, atomic: the sequence numbers, the snapshot and the publish happen in the
# same order for every publisher, so seq order is delivery order on the channel. The
# snapshot hash holds one field per stage plus the upload's counter `#seq`.
_PUBLISH_LUA = """
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local message = string.gsub(ARGV[1], '"seq": null', '"seq": ' .. seq, 1)
if KEYS[2] ~= '' then
  local upload_seq = redis.call('HINCRBY', KEYS[2], '#seq', 1)
  message = string.gsub(message, '"upload_seq": null', '"upload_seq": ' .. upload_seq, 1)
  redis.call('HSET', KEYS[2], ARGV[3], message)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
redis.call('PUBLISH', ARGV[2], message)
return seq
"""


async def publish(
    user_id: uuid.UUID | str, event: StageEvent, *, redis: Redis | None = None
) -> bool:
    """Publish to the user's channel and update the upload's snapshot.

    Returns False (logged, counted) when the event is invalid or Redis is unavailable.
    On success `event.seq` holds the assigned sequence number.
    """
    global publish_errors
    try:
        event.validate()
        data = event.to_dict()
        data["seq"] = data["upload_seq"] = None
        message = json.dumps(data)  # the `null`s of both are filled in by the script
        client = redis or get_redis()
        script = client.register_script(_PUBLISH_LUA)  # EVALSHA, loaded on first use
        keys = [seq_key(user_id), state_key(event.upload_id) if event.upload_id else ""]
        args: list[str | int] = [
            message,
            channel(user_id),
            event.stage,
            SEQ_TTL_SECONDS,
            STATE_TTL_SECONDS,
        ]
        seq = await script(keys=keys, args=args)
        event.seq = int(seq)
    except Exception:  # noqa: BLE001 - never fail the caller over a lost event
        publish_errors += 1
        EVENT_PUBLISH_ERRORS.inc()
        log.warning("event publish failed", exc_info=True)
        return False
    return True


def decode(raw: bytes | str) -> dict[str, Any] | None:
    """One published message as a dict, or None when it is not a valid event of ours."""
    try:
        data = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("stage") not in STAGE_ORDER or data.get("status") not in EventStatus.__members__:
        return None
    if not isinstance(data.get("v"), int) or data["v"] > SCHEMA_VERSION:
        return None
    return data


async def upload_states(
    upload_ids: Iterable[uuid.UUID | str], *, redis: Redis | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The snapshot: each upload's last event per stage, oldest first (by seq)."""
    ids = [str(u) for u in upload_ids]
    if not ids:
        return {}
    client = redis or get_redis()
    async with client.pipeline(transaction=False) as pipe:
        for upload_id in ids:
            pipe.hgetall(state_key(upload_id))
        rows = await pipe.execute()
    states: dict[str, list[dict[str, Any]]] = {}
    for upload_id, row in zip(ids, rows, strict=True):
        values = [v for k, v in row.items() if not k.startswith(b"#")]
        events = [e for e in (decode(v) for v in values) if e is not None]
        if events:
            events.sort(key=lambda e: (e.get("seq") or 0, STAGE_ORDER[e["stage"]]))
            states[upload_id] = events
    return states
