"""A READY upload of the pipeline's generated talk (transcribed once per session), and cheap
copies of it (rows and stored objects, no media work) for tests that change what they get.

The edit jobs run in-process with a ctx dict, as tests/pipeline runs the stages; one test
takes them through a real arq worker.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from arq.constants import job_key_prefix

from core.config import Settings
from tests.pipeline.conftest import (  # noqa: F401  (the talk fixture)
    Events,
    Talk,
    clip_count,
    make_upload,
    run_stages,
    subscribe,
    talk,
)


@dataclass
class Ready:
    user: Any
    token: str
    upload: Any  # the original READY upload: never changed by tests


@pytest.fixture(scope="session")
async def ready(db: None, settings: Settings, talk: Talk) -> Ready:  # noqa: F811
    from core.redis import get_redis
    from tests.factories import create_user

    await get_redis().flushdb()
    user, token = await create_user(minutes=30)
    upload = await make_upload(user, talk)
    with clip_count():
        await run_stages(upload)
    await upload.refresh_from_db()
    assert upload.status == "READY"
    return Ready(user, token, upload)


async def clone(source: Any, user: Any | None = None) -> Any:
    """A copy of a READY upload: its rows and every stored object under a new id."""
    from core.storage import get_store
    from orm.models import Caption, Clip, Transcript, TranscriptSegment, Upload

    store = get_store()
    new_id = uuid.uuid4()
    old_prefix, new_prefix = f"uploads/{source.id}/", f"uploads/{new_id}/"

    def moved(key: str) -> str:
        return key.replace(old_prefix, new_prefix, 1)

    for key in await store.list_keys(old_prefix):
        await store.put_bytes(moved(key), await store.get_bytes(key))
    fields = {
        k: getattr(source, k)
        for k in ("filename", "content_type", "size_bytes", "status", "duration_seconds")
    }
    upload = await Upload.create(
        id=new_id,
        user_id=user.id if user is not None else source.user_id,
        storage_key=moved(source.storage_key),
        clip_options=source.clip_options,
        upload_expires_at=source.upload_expires_at,
        **fields,
    )
    t = await Transcript.get(upload_id=source.id)
    copy = await Transcript.create(
        upload_id=new_id,
        language=t.language,
        text=t.text,
        duration_seconds=t.duration_seconds,
        json_key=moved(t.json_key),
        srt_key=moved(t.srt_key),
        vtt_key=moved(t.vtt_key),
    )
    await TranscriptSegment.bulk_create(
        [
            TranscriptSegment(
                transcript_id=copy.id,
                index=s.index,
                start=s.start,
                end=s.end,
                text=s.text,
                words=s.words,
            )
            for s in await TranscriptSegment.filter(transcript_id=t.id)
        ]
    )
    for c in await Clip.filter(upload_id=source.id):
        row = await Clip.create(
            id=uuid.uuid4(),
            upload_id=new_id,
            rank=c.rank,
            start_seconds=c.start_seconds,
            end_seconds=c.end_seconds,
            duration_seconds=c.duration_seconds,
            score=c.score,
            title=c.title,
            reason=c.reason,
            origin=c.origin,
            score_breakdown=c.score_breakdown,
            **{k: moved(getattr(c, k)) for k in KEY_COLUMNS},
        )
        for cap in await Caption.filter(clip_id=c.id):
            await Caption.create(
                clip_id=row.id, platform=cap.platform, text=cap.text, hashtags=cap.hashtags
            )
    return upload


KEY_COLUMNS = ("video_key", "thumbnail_key", "srt_key", "vtt_key", "ass_key")


@pytest.fixture
async def fresh(ready: Ready, redis: Any) -> AsyncIterator[Any]:
    """A READY copy of the talk's upload, the user's own, for one test to change."""
    yield await clone(ready.upload)


async def queued_jobs(prefix: str) -> list[tuple[str, list[Any]]]:
    """(job id, arguments) of the queued jobs whose id starts with `prefix`."""
    from arq.jobs import Job

    from core.redis import get_redis
    from jobs.schedule import get_pool, queued_ids
    from jobs.serialization import deserialize

    ids = [i.decode() for i in await queued_ids(get_redis())]
    out = []
    for ident in ids:
        if ident.startswith(prefix):
            info = await Job(ident, await get_pool(), _deserializer=deserialize).info()
            assert info is not None
            out.append((ident, list(info.args)))
    return out


async def job_exists(ident: str) -> bool:
    from core.redis import get_redis

    return bool(await get_redis().exists(job_key_prefix + ident))


async def run_job(
    name: str, args: list[Any], *, fails: bool = False
) -> tuple[Any, list[dict[str, Any]]]:
    """One edit job in-process as the worker would call it, with the events it published
    (with `fails`, the exception it raised instead of its result)."""
    from jobs.schedule import get_pool
    from jobs.tasks import TASKS

    task = next(t for t in TASKS if t.name == name)
    upload_owner = await _owner(name, args)
    events: Events = await subscribe(upload_owner)
    try:
        try:
            result: Any = await task.coroutine({"redis": await get_pool(), "job_try": 1}, *args)
        except Exception as exc:
            if not fails:
                raise
            result = exc
        else:
            assert not fails, f"{name} did not fail: {result}"
        seen = await events.drain()
    finally:
        await events.pubsub.aclose()
    return result, seen


async def _owner(name: str, args: list[Any]) -> Any:
    from orm.models import Upload

    upload_id = args[1]["upload_id"] if name == "cut_clip" else args[0]
    return (await Upload.get(id=upload_id)).user_id


async def stored_keys(upload_id: Any) -> dict[str, bytes]:
    """Every stored object of the upload but the original, with its bytes."""
    from core.storage import get_store

    store = get_store()
    keys = await store.list_keys(f"uploads/{upload_id}/")
    return {k: await store.get_bytes(k) for k in keys if "/original" not in k}
