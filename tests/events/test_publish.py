"""The event bus on real Redis: JSON with a version, per-user and per-upload sequence numbers,
the per-upload snapshot, and failures that are counted instead of raised."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from redis.asyncio import Redis

from core import events
from core.events import StageEvent, publish, state_key, upload_states
from core.metrics import EVENT_PUBLISH_ERRORS


async def test_publish_sends_versioned_json_with_sequence_numbers(redis: Any) -> None:
    user_id, upload_id = uuid.uuid4(), str(uuid.uuid4())
    pubsub = redis.pubsub()
    await pubsub.subscribe(events.channel(user_id))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation

    first = StageEvent(upload_id, "TRANSCRIBE", "STARTED")
    second = StageEvent(
        upload_id,
        "TRANSCRIBE",
        "RETRYING",
        message="Storage hiccup",
        next_attempt_at="2030-01-01T00:00:00+00:00",
    )
    other_upload = StageEvent(str(uuid.uuid4()), "CLIP", "PROGRESS", 0.25)
    assert await publish(user_id, first) and await publish(user_id, second)
    assert await publish(user_id, other_upload)
    assert (first.seq, second.seq, other_upload.seq) == (1, 2, 3)

    received = []
    while len(received) < 3:
        message = await pubsub.get_message(timeout=5, ignore_subscribe_messages=True)
        if message:
            received.append(json.loads(message["data"]))
    await pubsub.aclose()
    assert [m["seq"] for m in received] == [1, 2, 3]
    assert [m["upload_seq"] for m in received] == [1, 2, 1]
    assert received[1] == {
        "upload_id": upload_id,
        "stage": "TRANSCRIBE",
        "status": "RETRYING",
        "progress": 0.0,
        "message": "Storage hiccup",
        "clip_id": None,
        "export_id": None,
        "at": second.at,
        "v": events.SCHEMA_VERSION,
        "next_attempt_at": "2030-01-01T00:00:00+00:00",
        "seq": 2,
        "upload_seq": 2,
    }


async def test_snapshot_keeps_the_last_event_per_stage_for_a_few_days(redis: Any) -> None:
    user_id, upload_id = uuid.uuid4(), str(uuid.uuid4())
    for event in [
        StageEvent(upload_id, "TRANSCRIBE", "STARTED"),
        StageEvent(upload_id, "TRANSCRIBE", "PROGRESS", 0.5),
        StageEvent(upload_id, "TRANSCRIBE", "COMPLETED", 1.0),
        StageEvent(upload_id, "CLIP", "PROGRESS", 0.2),
    ]:
        assert await publish(user_id, event)

    states = await upload_states([upload_id, uuid.uuid4()])
    assert list(states) == [upload_id]
    assert [(e["stage"], e["status"], e["seq"]) for e in states[upload_id]] == [
        ("TRANSCRIBE", "COMPLETED", 3),
        ("CLIP", "PROGRESS", 4),
    ]
    ttl = await redis.ttl(state_key(upload_id))
    assert 0 < ttl <= events.STATE_TTL_SECONDS
    assert 0 < await redis.ttl(events.seq_key(user_id)) <= events.SEQ_TTL_SECONDS


async def test_concurrent_publishers_get_distinct_increasing_numbers(redis: Any) -> None:
    user_id, upload_id = uuid.uuid4(), str(uuid.uuid4())
    batch = [StageEvent(upload_id, "CLIP", "PROGRESS", i / 100) for i in range(100)]
    assert all(await asyncio.gather(*(publish(user_id, e) for e in batch)))
    assert sorted(e.seq for e in batch if e.seq) == list(range(1, 101))


async def test_a_redis_outage_is_counted_not_raised(redis: Any) -> None:
    from core.embedded import free_port

    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    before_count, before_metric = events.publish_errors, EVENT_PUBLISH_ERRORS._value.get()
    event = StageEvent(str(uuid.uuid4()), "EXPORT", "FAILED", message="Render failed")
    assert await publish(uuid.uuid4(), event, redis=dead) is False
    await dead.aclose()
    assert events.publish_errors == before_count + 1
    assert EVENT_PUBLISH_ERRORS._value.get() == before_metric + 1
    assert event.seq is None


async def test_an_invalid_event_is_refused_and_counted(redis: Any) -> None:
    before = events.publish_errors
    assert await publish(uuid.uuid4(), StageEvent(None, "UPLOAD", "STARTED")) is False
    assert await publish(uuid.uuid4(), StageEvent(None, "CLIP", "PROGRESS", 1.5)) is False
    assert events.publish_errors == before + 2


def test_decode_rejects_what_is_not_an_event() -> None:
    good = StageEvent(None, "CLIP", "STARTED").to_dict()
    assert events.decode(json.dumps(good)) == good
    assert events.decode(b"not json") is None
    assert events.decode(json.dumps([1, 2])) is None
    assert events.decode(json.dumps({**good, "status": "EXPLODED"})) is None
    assert events.decode(json.dumps({**good, "v": events.SCHEMA_VERSION + 1})) is None
