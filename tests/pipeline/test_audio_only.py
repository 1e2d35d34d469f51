"""Audio-only uploads (issue 15, finding 7): a podcast's MP3 goes through every stage to READY,
its clips drawn over a generated picture (the title above the waveform) with thumbnails from
it, where it used to fail with "clip has no video to take a thumbnail from"."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.probe import probe, probe_json
from core.storage import get_store
from orm.models import Clip, Upload
from orm.models.enums import UploadStatus
from tests.factories import gid
from tests.media.fixtures_media import make_speech
from tests.pipeline.conftest import CLIP_MAX, CLIP_MIN, SENTENCES, clip_count, run_stages
from tests.pipeline.contract import operation
from tests.uploads.ops import upload_pk


@pytest.fixture(scope="module")
def podcast(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pipeline's talk as speech only, in an MP3 (no picture at all)."""
    tmp = tmp_path_factory.mktemp("podcast")
    wav, _, _ = make_speech(tmp, SENTENCES, silence=1.0)
    mp3 = tmp / "episode.mp3"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(wav),
         "-c:a", "libmp3lame", "-b:a", "64k", str(mp3)],
        check=True, timeout=120,
    )  # fmt: skip
    return mp3


async def test_an_mp3_becomes_clips_over_a_generated_picture(
    gql: Any, make_user: Any, podcast: Path, tmp_path: Path, redis: Any
) -> None:
    user, token = await make_user()
    assert not (await probe(podcast)).has_video
    upload_id = uuid.uuid4()
    key = f"uploads/{upload_id}/original.mp3"
    await get_store().put_file(key, podcast, "audio/mpeg")
    upload = await Upload.create(
        id=upload_id,
        user=user,
        filename="Growing a podcast.mp3",
        content_type="audio/mpeg",
        size_bytes=len(await asyncio.to_thread(podcast.read_bytes)),
        storage_key=key,
        status=UploadStatus.QUEUED,
        duration_seconds=(await probe(podcast)).duration,
        clip_options={"minSeconds": CLIP_MIN, "maxSeconds": CLIP_MAX},
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    with clip_count(2):
        await run_stages(upload)
    await upload.refresh_from_db()
    assert upload.status == UploadStatus.READY, upload.error

    clips = await Clip.filter(upload_id=upload.id).order_by("rank")
    assert len(clips) == 2
    for clip in clips:
        video = tmp_path / f"{clip.rank}.mp4"
        await get_store().download(clip.video_key, video)
        info = await probe(video)
        assert info.has_video and info.has_audio and (info.width, info.height) == (720, 720)
        assert abs(info.duration - (clip.end_seconds - clip.start_seconds)) < 0.2
        thumb = tmp_path / f"{clip.rank}.jpg"
        await get_store().download(clip.thumbnail_key, thumb)
        assert (await asyncio.to_thread(thumb.read_bytes))[:2] == b"\xff\xd8"  # a JPEG
        (stream,) = (await probe_json(thumb))["streams"]
        assert (stream["width"], stream["height"]) == (720, 720)  # from the generated picture

    # An export reframes the clip's picture, with its captions burned in.
    from jobs.tasks.export import export
    from orm.models import Export

    variables = {"input": {"clipId": gid("Clip", clips[0].id), "aspectRatio": "VERTICAL_9_16"}}
    variables["input"].update({"burnSubtitles": True, "fill": "BLUR"})
    body = await gql(operation("ExportClip"), variables, token)
    assert body["data"]["exportClip"]["errors"] == [], body
    row = await Export.get(id=upload_pk(body["data"]["exportClip"]["export"]["id"]))
    await export({"job_try": 1}, str(row.id))
    await row.refresh_from_db()
    assert row.status == "READY" and row.key, row.error
    rendered = tmp_path / "export.mp4"
    await get_store().download(row.key, rendered)
    info = await probe(rendered)
    assert (info.width, info.height) == (1080, 1920) and info.has_audio
    assert abs(info.duration - (clips[0].end_seconds - clips[0].start_seconds)) < 0.3


def test_long_titles_wrap_and_shorten() -> None:
    from jobs.media.audiogram import TITLE_LINES, TITLE_WIDTH, title_text

    text = title_text("word " * 60)
    lines = text.split("\n")
    assert len(lines) == TITLE_LINES and all(len(line) <= TITLE_WIDTH for line in lines)
    assert lines[-1].endswith("…")
    assert title_text("   ") == "Untitled"
    assert title_text("50% off: 'live' [x]; a,b") == "50% off: 'live' [x];\na,b"
