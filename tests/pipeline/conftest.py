"""A small talk (espeak-ng speech over testsrc2, ~35 s) taken through the pipeline stages.

The upload row and its stored original are made directly (the upload flow is tested
elsewhere); the stage tasks run in-process with a ctx dict, in the worker's order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core import config
from core.config import Settings
from tests.media.fixtures_media import make_talk

SENTENCES = (
    "Why do ninety percent of new podcasts stop after only seven episodes?",
    "Um, so, you know, we kind of talked about, like, a lot of things today.",
    "The answer is simple: consistency beats talent every single time.",
    "Anyway, uh, let me see, where was I, basically it was sort of fine.",
    "Here is a bold claim: you can double your audience in thirty days.",
    "And then, um, we had lunch and, you know, it was okay I guess.",
    "Record every Monday, publish every Thursday, and never skip a week.",
)
SHORT = (
    "What would you do with three extra hours every week?",
    "Most people waste them scrolling, and that is a real shame.",
    "Start with one small habit today and keep it for a month.",
)
CLIP_MIN, CLIP_MAX = 4.0, 10.0
CLIP_COUNT = 3


@dataclass
class Talk:
    video: Path
    onsets: list[float]
    sentences: tuple[str, ...] = SENTENCES


@dataclass
class Events:
    """Everything published on one user's channel while subscribed."""

    pubsub: Any
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def drain(self, quiet: float = 0.5) -> list[dict[str, Any]]:
        """Read until the channel has been quiet for `quiet` seconds."""
        while True:
            msg = await self.pubsub.get_message(timeout=quiet)
            if msg is None:
                return self.seen
            if msg["type"] == "message":
                self.seen.append(json.loads(msg["data"]))


@contextmanager
def clip_count(n: int = CLIP_COUNT) -> Iterator[Settings]:
    """The test settings with a fixed clip count while a stage runs (by length, the short
    talk would get one clip); restored afterwards so other tests see their own settings."""
    before = dict(config._overrides)
    try:
        yield config.configure(**before, clip_count=n)
    finally:
        config.configure(**before)


@pytest.fixture(scope="session")
def talk(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    video, onsets = make_talk(tmp_path_factory.mktemp("pipeline-talk"), SENTENCES, silence=1.0)
    return Talk(video=video, onsets=onsets)


@pytest.fixture(scope="session")
def short_talk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three sentences (~12 s): less speech than the default shortest clip."""
    video, _ = make_talk(tmp_path_factory.mktemp("short-talk"), SHORT, silence=0.8)
    return Path(video)


async def make_upload(user: Any, talk: Talk) -> Any:
    """A QUEUED upload whose original is already in storage (as after completeUpload)."""
    from core.probe import probe
    from core.storage import get_store
    from orm.models import Upload
    from orm.models.enums import UploadStatus

    upload_id = uuid.uuid4()
    key = f"uploads/{upload_id}/original.mp4"
    store = get_store()
    await store.ensure_bucket()
    await store.put_file(key, talk.video, "video/mp4")
    info = await probe(talk.video)
    return await Upload.create(
        id=upload_id,
        user=user,
        filename="talk.mp4",
        content_type="video/mp4",
        size_bytes=talk.video.stat().st_size,
        storage_key=key,
        status=UploadStatus.QUEUED,
        duration_seconds=info.duration,
        clip_options={"minSeconds": CLIP_MIN, "maxSeconds": CLIP_MAX},
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


@dataclass
class Run:
    user: Any
    token: str
    upload: Any
    results: dict[str, Any]
    queued_after: dict[str, bool]
    events: list[dict[str, Any]]


async def subscribe(user_id: Any) -> Events:
    from core.events import channel
    from core.redis import get_redis

    pubsub = get_redis().pubsub()
    await pubsub.subscribe(channel(user_id))
    return Events(pubsub)


async def job_queued(job_id: str) -> bool:
    from arq.constants import job_key_prefix

    from core.redis import get_redis

    return bool(await get_redis().exists(job_key_prefix + job_id))


async def run_stages(upload: Any) -> tuple[dict[str, Any], dict[str, bool]]:
    """transcribe, clip, captions in order, in-process, as the worker would call them."""
    from jobs.schedule import get_pool
    from jobs.tasks.captions import captions
    from jobs.tasks.clip import clip
    from jobs.tasks.transcribe import transcribe

    ctx: dict[str, Any] = {"redis": await get_pool(), "job_try": 1}
    uid = str(upload.id)
    results: dict[str, Any] = {}
    queued: dict[str, bool] = {}
    results["transcribe"] = await transcribe(ctx, uid)
    queued["clip"] = await job_queued(f"clip:{uid}")
    results["clip"] = await clip(ctx, uid)
    queued["captions"] = await job_queued(f"captions:{uid}")
    results["captions"] = await captions(ctx, uid)
    return results, queued


@pytest.fixture(scope="session")
async def run(db: None, settings: Settings, talk: Talk) -> AsyncIterator[Run]:
    """One upload taken through every stage (once per test session), with its events."""
    from core.redis import get_redis
    from tests.factories import create_user

    await get_redis().flushdb()
    user, token = await create_user()
    upload = await make_upload(user, talk)
    events = await subscribe(user.id)
    try:
        with clip_count():
            results, queued = await run_stages(upload)
        seen = await events.drain()
    finally:
        await events.pubsub.aclose()
    await upload.refresh_from_db()
    yield Run(user, token, upload, results, queued, seen)
