"""exportClip with every option, rendered by a real arq worker (burst mode) from the original.

The source is a two-person dialogue of real faces (tests/media/faces_media.py) with a long
pause and an "um" between words: SPEAKER follows whoever talks, SPLIT stacks both faces,
captions are burned in a preset and in the user's own style, the title shows over the first
seconds, and the cleanups make the export shorter by what they cut. The clip's own stored
file does not exist: an export that read it would fail, so each one comes from the original.
A video without faces shows the SPEAKER fallback and its message.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from arq.worker import Worker

from core.probe import probe
from core.storage import get_store
from jobs.media.reframe.plan import NO_FACE
from orm.models import Clip, Export, Upload
from orm.models.enums import UploadStatus
from tests.factories import gid
from tests.media.faces_media import Dialogue, make_dialogue
from tests.media.fixtures_media import make_talk
from tests.pipeline.contract import operation

LINES = [
    (0, "What is the one thing new creators get wrong?", 1.3),  # a long pause: shortened
    (1, "They wait", 0.3),
    (1, "um", 0.3),  # a filler between two silences: cut
    (1, "too long before the first good sentence.", 0.4),
]
KEEP_S = 0.2  # what a shortened pause and a removed filler leave (jobs.media.cleanup)
W, H = 1080, 1920


@dataclass
class Source:
    user: Any
    token: str
    upload: Upload
    clip: Clip
    dialogue: Dialogue | None = None


async def make_source(video: Path, end: float, user: Any, token: str) -> Source:
    """A READY upload of `video` with its transcript and one clip [0, end) whose own file
    was never stored (exports must not need it)."""
    from core.config import get_settings
    from jobs.pipeline import results, steps

    upload_id = uuid.uuid4()
    key = f"uploads/{upload_id}/original.mp4"
    store = get_store()
    await store.ensure_bucket()
    await store.put_file(key, video, "video/mp4")
    upload = await Upload.create(
        id=upload_id,
        user=user,
        filename=video.name,
        content_type="video/mp4",
        size_bytes=await asyncio.to_thread(os.path.getsize, video),
        storage_key=key,
        status=UploadStatus.READY,
        duration_seconds=(await probe(video)).duration,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    work = get_settings().var_dir / "work" / f"exports-{upload_id}"
    work.mkdir(parents=True)
    await results.save_transcript(upload, await steps.transcribe_video(video, work, get_settings()))
    clip = await Clip.create(
        upload=upload,
        rank=1,
        start_seconds=0.0,
        end_seconds=round(end, 3),
        duration_seconds=round(end, 3),
        score=80.0,
        title="The one thing new creators get wrong",
        reason="A question and its answer.",
        video_key=f"uploads/{upload_id}/clips/1/never-stored.mp4",
        thumbnail_key=f"uploads/{upload_id}/clips/1/thumb.jpg",
        srt_key="x.srt",
        vtt_key="x.vtt",
        ass_key="x.ass",
    )
    return Source(user, token, upload, clip)


@pytest.fixture(scope="module")
async def source(db: None, tmp_path_factory: pytest.TempPathFactory) -> Source:
    from tests.factories import create_user

    dialogue = make_dialogue(tmp_path_factory.mktemp("export-dialogue"), LINES)
    user, token = await create_user()
    src = await make_source(dialogue.video, dialogue.duration, user, token)
    src.dialogue = dialogue
    return src


async def burst() -> Worker:
    """Run every queued job with the real worker settings, then stop."""
    from core.pipeline import Latency
    from jobs.worker import worker_settings

    options = worker_settings(Latency.INTERACTIVE)  # exports are interactive work
    options.update(
        on_startup=None, on_shutdown=None, handle_signals=False, burst=True, cron_jobs=None
    )
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def export_clip(gql: Any, token: str, clip: Clip, **options: Any) -> dict[str, Any]:
    variables = {"input": {"clipId": gid("Clip", clip.id), "aspectRatio": "VERTICAL_9_16"}}
    variables["input"].update({"burnSubtitles": False, **options})
    body = await gql(operation("ExportClip"), variables, token)
    payload: dict[str, Any] = body["data"]["exportClip"]
    return payload


async def style_id(gql: Any, token: str, name: str) -> str:
    body = await gql(operation("CaptionStyles"), {}, token)
    return next(s["id"] for s in body["data"]["captionStyles"] if s["name"] == name)


def frames(path: Path, times: list[float]) -> list[np.ndarray]:
    """RGB frames (H x W x 3, int) of a 1080x1920 export at the given times."""
    out = []
    for t in times:
        raw = subprocess.run(
            ["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1"]
            + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            check=True,
            capture_output=True,
        ).stdout
        out.append(np.frombuffer(raw, np.uint8).reshape(H, W, 3).astype(int))
    return out


def middle(panel: np.ndarray) -> np.ndarray:
    """The central part of a picture (where a tracked face sits)."""
    h, w = panel.shape[:2]
    return panel[h * 3 // 10 : h * 7 // 10, w * 3 // 10 : w * 7 // 10]


def chroma(pixels: np.ndarray) -> float:
    """Mean colourfulness: 0 for the grey LFW face, tens for the astronaut's."""
    return float((pixels.max(axis=-1) - pixels.min(axis=-1)).mean())


def redness(frame: np.ndarray) -> float:
    """Red minus blue of the frame's top tenth: the right face's background is red-ish,
    the left one's blue-ish (faces_media), and the top of every view shows background."""
    top = frame[: H // 10]
    return float(top[..., 0].mean() - top[..., 2].mean())


async def test_every_option_through_the_worker(
    source: Source, gql: Any, redis: Any, tmp_path: Path
) -> None:
    token, clip = source.token, source.clip
    created = await gql(
        operation("CreateCaptionStyle"),
        {
            "input": {
                "name": "my top style",
                "position": "TOP",
                "animation": "POP",
                "textColor": "#00ffcc",
            }
        },
        token,
    )
    mine = created["data"]["createCaptionStyle"]
    assert mine["errors"] == [] and mine["style"]["position"] == "TOP"
    asked = {
        "plain": {},
        "speaker": {"reframe": "SPEAKER"},
        "split": {
            "reframe": "SPLIT",
            "burnSubtitles": True,
            "captionStyleId": mine["style"]["id"],
        },
        "cleaned": {
            "burnSubtitles": True,
            "captionStyleId": await style_id(gql, token, "bold-pop"),
            "removeFillers": True,
            "removeSilences": True,
            "titleOverlay": True,
        },
    }
    ids = {}
    for name, options in asked.items():
        payload = await export_clip(gql, token, clip, **options)
        assert payload["errors"] == [], (name, payload)
        assert payload["export"]["status"] == "QUEUED"
        assert payload["export"]["reframe"] == options.get("reframe", "CENTER")
        ids[name] = payload["export"]["id"]

    worker = await burst()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (4, 0, 0)

    details: dict[str, Any] = {}
    files: dict[str, Path] = {}
    rows: dict[str, Export] = {}
    for name, export_id in ids.items():
        body = await gql(operation("ExportDetail"), {"id": export_id}, token)
        node = details[name] = body["data"]["node"]
        assert node["status"] == "READY" and node["url"] and node["error"] is None, node
        assert node["clip"] == {"id": gid("Clip", clip.id)}
        assert node["reframe"] == asked[name].get("reframe", "CENTER")
        row = rows[name] = await Export.get(id=_pk(export_id))
        assert row.message is None  # faces were there: nothing fell back
        files[name] = tmp_path / f"{name}.mp4"
        assert row.key is not None
        await get_store().download(row.key, files[name])
        info = await probe(files[name])
        assert (info.width, info.height) == (W, H)
        assert info.video_duration == pytest.approx(node["durationSeconds"], abs=0.05)

    # no cleanup: the clip's length; cleanups: shorter by the pause and the "um" they cut
    assert details["plain"]["durationSeconds"] == pytest.approx(clip.duration_seconds, abs=0.1)
    assert source.dialogue is not None
    turns = source.dialogue.turns
    um = turns[2][1] - turns[2][0]
    expected_cut = (LINES[0][2] - KEEP_S) + (LINES[1][2] + um + LINES[2][2] - KEEP_S)
    cut = details["plain"]["durationSeconds"] - details["cleaned"]["durationSeconds"]
    assert cut == pytest.approx(expected_cut, abs=0.3)

    # SPEAKER: the view is on the left face during its turn, on the right one during theirs
    first = (turns[0][0] + 1.0 + turns[0][1]) / 2
    second = (turns[3][0] + 1.0 + turns[3][1]) / 2
    left, right = frames(files["speaker"], [first, second])
    assert redness(left) < -30 < 30 < redness(right), (redness(left), redness(right))
    # CENTER stays still between the two faces: the same picture at both times, no face
    still = frames(files["plain"], [first, second])
    assert np.abs(still[0][: H // 10] - still[1][: H // 10]).mean() < 3

    # SPLIT: both faces all along, the left one (in colour) above the right one (grey, on red)
    for both in frames(files["split"], [first, second]):
        top, bottom = both[: H // 2], both[H // 2 :]
        assert chroma(middle(top)) > 25 > 5 > chroma(middle(bottom))
        assert bottom[..., 0].mean() > bottom[..., 2].mean() + 30
    # the user's own style is what the export was rendered with (kept with the export)
    style = rows["split"].caption_style
    assert style is not None
    assert (style["name"], style["position"], style["text_color"]) == (
        "my top style",
        "TOP",
        "#00FFCC",
    )
    assert rows["plain"].caption_style is None and not rows["plain"].burn_subtitles

    # captions and the title: the cleaned export's first seconds carry the title box at the
    # top and the bold-pop captions in the middle; the plain one carries neither
    early = min(2.0, turns[0][1])
    plain, cleaned = frames(files["plain"], [early])[0], frames(files["cleaned"], [early])[0]
    rows = np.abs(plain - cleaned).mean(axis=(1, 2))
    assert rows[: H // 5].mean() > 5  # the title box
    assert rows[2 * H // 5 : 3 * H // 5].mean() > 3  # the middle: captions


def _pk(global_id: str) -> str:
    from graphql_api.common.relay import from_global_id

    return from_global_id(global_id)[1]


async def test_speaker_without_faces_falls_back_to_center_and_says_so(
    db: None, gql: Any, redis: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.factories import create_user

    video, _ = make_talk(tmp_path_factory.mktemp("faceless"), ["No faces here at all."])
    user, token = await create_user()
    src = await make_source(video, 2.0, user, token)
    payload = await export_clip(gql, token, src.clip, reframe="SPEAKER")
    assert payload["errors"] == [] and payload["export"]["reframe"] == "SPEAKER"
    worker = await burst()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    body = await gql(operation("ExportDetail"), {"id": payload["export"]["id"]}, token)
    node = body["data"]["node"]
    assert node["status"] == "READY" and node["reframe"] == "CENTER"
    assert node["error"] is None
    row = await Export.get(id=_pk(payload["export"]["id"]))
    assert row.message == NO_FACE and row.reframe == "SPEAKER" and row.reframe_used == "CENTER"
    message = await gql(
        "query($id: ID!) { node(id: $id) { ... on Export { message } } }",
        {"id": payload["export"]["id"]},
        token,
    )
    assert message["data"]["node"]["message"] == NO_FACE
