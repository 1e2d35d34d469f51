"""The pipeline's results through the client contract, and exports rendered by the worker task."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from core.probe import probe
from core.storage import get_store
from orm.models import Caption, Clip, Export, Transcript, TranscriptSegment
from orm.models.enums import ExportStatus
from tests.factories import gid
from tests.pipeline.conftest import Run, job_queued, subscribe
from tests.pipeline.contract import operation


async def _clips(run: Run) -> list[Clip]:
    return await Clip.filter(upload_id=run.upload.id).order_by("rank")


async def test_upload_detail(run: Run, gql: Any) -> None:
    body = await gql(operation("UploadDetail"), {"id": gid("Upload", run.upload.id)}, run.token)
    upload = body["data"]["upload"]
    assert upload["status"] == "READY" and upload["error"] is None
    assert upload["transcript"]["language"] == "en"
    assert upload["transcript"]["srtUrl"] and upload["transcript"]["vttUrl"]
    assert upload["sourceUrl"] is None
    assert upload["options"] == {
        "minSeconds": 4.0,
        "maxSeconds": 10.0,
        "count": 1,  # not asked for: by length, one per ~2.5 minutes of this 35 s talk
        "prompt": None,
        "language": None,
    }
    # the words are not on the upload page: one JSON file, or pages of segments
    json_url = upload["transcript"]["jsonUrl"]
    assert json_url and "segments" not in upload["transcript"]
    key = (await Transcript.get(upload_id=run.upload.id)).json_key
    whole = json.loads(await get_store().get_bytes(key))
    words = [w for seg in whole["segments"] for w in seg["words"]]
    assert len(words) > 50
    paged: list[dict[str, Any]] = []
    for offset in range(0, 1000, 4):
        page = await gql(
            operation("TranscriptPage"),
            {"id": gid("Upload", run.upload.id), "offset": offset, "limit": 4},
            run.token,
        )
        segments = page["data"]["upload"]["transcript"]["segments"]
        paged += segments
        if len(segments) < 4:
            break
    assert [w["text"] for s in paged for w in s["words"]] == [w["text"] for w in words]
    nodes = [e["node"] for e in upload["clips"]["edges"]]
    assert [n["id"] for n in nodes] == [gid("Clip", c.id) for c in await _clips(run)]
    for node in nodes:
        assert node["videoUrl"] and node["thumbnailUrl"]
        assert all(node["subtitles"][k] for k in ("srtUrl", "vttUrl", "assUrl"))
        assert len(node["captions"]) == 5
        assert node["origin"] == "AUTO"
        parts = {p["name"]: p["score"] for p in node["scoreBreakdown"]}
        assert {"hook", "start", "ending", "rate", "filler"} <= set(parts)
        assert all(0 <= v <= 100 for v in parts.values())


async def test_transcript_pages_are_bounded(run: Run, gql: Any) -> None:
    upload_id = gid("Upload", run.upload.id)
    for variables, field in (({"limit": 101}, "limit"), ({"offset": -1}, "offset")):
        body = await gql(
            operation("TranscriptPage"), {"id": upload_id, **variables}, run.token, True
        )
        assert body["errors"][0]["extensions"]["field"] == field, body
    first = await gql(operation("TranscriptPage"), {"id": upload_id}, run.token)
    count = await TranscriptSegment.filter(transcript__upload_id=run.upload.id).count()
    assert len(first["data"]["upload"]["transcript"]["segments"]) == min(100, count)


async def test_clip_detail_and_partner_feed(run: Run, gql: Any, make_user: Any) -> None:
    best = (await _clips(run))[0]
    body = await gql(operation("ClipDetail"), {"id": gid("Clip", best.id)}, run.token)
    clip = body["data"]["clip"]
    assert clip["title"] == best.title and clip["score"] == best.score
    assert clip["durationSeconds"] == best.duration_seconds
    assert clip["upload"] == {"id": gid("Upload", run.upload.id), "filename": "talk.mp4"}
    assert {c["platform"] for c in clip["captions"]} == {
        "TIKTOK",
        "INSTAGRAM",
        "YOUTUBE_SHORTS",
        "LINKEDIN",
        "X",
    }
    feed = await gql(operation("PartnerClips"), {"first": 10, "minScore": 0.0}, run.token)
    ids = {e["node"]["id"] for e in feed["data"]["clips"]["edges"]}
    assert ids == {gid("Clip", c.id) for c in await _clips(run)}
    high = await gql(operation("PartnerClips"), {"minScore": best.score + 0.01}, run.token)
    assert high["data"]["clips"]["edges"] == []
    _, stranger = await make_user()
    other = await gql(operation("ClipDetail"), {"id": gid("Clip", best.id)}, stranger)
    assert other["data"]["clip"] is None


async def test_foreign_ids_are_not_found(run: Run, gql: Any, make_user: Any) -> None:
    _, stranger = await make_user()
    clip_id = gid("Clip", (await _clips(run))[0].id)
    body = await gql(
        operation("ExportClip"),
        {"input": {"clipId": clip_id, "aspectRatio": "SQUARE_1_1", "burnSubtitles": False}},
        stranger,
    )
    assert body["data"]["exportClip"]["export"] is None
    assert body["data"]["exportClip"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(operation("RegenerateCaptions"), {"clipId": clip_id}, stranger)
    assert body["data"]["regenerateCaptions"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(
        operation("RegenerateCaptions"), {"clipId": gid("Upload", run.upload.id)}, run.token
    )
    assert body["data"]["regenerateCaptions"]["errors"][0]["code"] == "NOT_FOUND"


async def test_regenerate_captions_replaces_one_clips_captions(run: Run, gql: Any) -> None:
    from jobs.tasks.captions import regenerate_captions

    clip, other = (await _clips(run))[:2]
    before = {c.id for c in await Caption.filter(clip_id=clip.id)}
    others = {c.id for c in await Caption.filter(clip_id=other.id)}
    body = await gql(operation("RegenerateCaptions"), {"clipId": gid("Clip", clip.id)}, run.token)
    payload = body["data"]["regenerateCaptions"]
    assert payload["errors"] == [] and payload["clip"]["id"] == gid("Clip", clip.id)
    assert await job_queued(f"regenerate_captions:{clip.id}")
    events = await subscribe(run.user.id)
    try:
        await regenerate_captions({}, str(clip.id))
        seen = await events.drain()
    finally:
        await events.pubsub.aclose()
    after = await Caption.filter(clip_id=clip.id)
    assert len(after) == 5 and not before & {c.id for c in after}
    assert {c.id for c in await Caption.filter(clip_id=other.id)} == others
    assert [(e["stage"], e["status"]) for e in seen][-1] == ("CAPTIONS", "COMPLETED")
    assert {e["clip_id"] for e in seen} == {str(clip.id)}
    await run.upload.refresh_from_db()
    assert run.upload.status == "READY"


def _frame(path: Path, at: float, width: int, height: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), "-frames:v", "1"]
        + ["-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width).astype(np.int16)


async def _export(run: Run, gql: Any, clip: Clip, aspect: str, burn: bool, **extra: Any) -> Export:
    from jobs.tasks.export import export

    variables = {"input": {"clipId": gid("Clip", clip.id), "aspectRatio": aspect}}
    variables["input"].update(burnSubtitles=burn, **extra)
    body = await gql(operation("ExportClip"), variables, run.token)
    payload = body["data"]["exportClip"]
    assert payload["errors"] == [] and payload["export"]["status"] == "QUEUED"
    row = await Export.get(id=_pk(payload["export"]["id"]))
    assert await job_queued(f"export:{row.id}")
    events = await subscribe(run.user.id)
    try:
        await export({}, str(row.id))
        seen = await events.drain()
    finally:
        await events.pubsub.aclose()
    statuses = [e["status"] for e in seen if e["export_id"] == str(row.id)]
    assert statuses[0] == "STARTED" and statuses[-1] == "COMPLETED", statuses
    assert {e["stage"] for e in seen} == {"EXPORT"}
    assert {e["clip_id"] for e in seen} == {str(clip.id)}
    await row.refresh_from_db()
    return row


def _pk(global_id: str) -> str:
    from graphql_api.common.relay import from_global_id

    return from_global_id(global_id)[1]


async def test_exports_sizes_and_burned_subtitles(run: Run, gql: Any, tmp_path: Path) -> None:
    clip = min(await _clips(run), key=lambda c: c.duration_seconds)  # the quickest to render
    plain = await _export(run, gql, clip, "VERTICAL_9_16", False)
    burned = await _export(run, gql, clip, "VERTICAL_9_16", True)
    square = await _export(run, gql, clip, "SQUARE_1_1", False, fill="BLUR")
    store = get_store()
    files = {}
    for row, size in ((plain, (1080, 1920)), (burned, (1080, 1920)), (square, (1080, 1080))):
        assert row.status == ExportStatus.READY and row.error is None
        assert row.key == f"uploads/{run.upload.id}/exports/{row.id}.mp4"
        files[row.id] = await store.download(row.key, tmp_path / f"{row.id}.mp4") or (
            tmp_path / f"{row.id}.mp4"
        )
        info = await probe(files[row.id])
        assert (info.width, info.height) == size
        assert info.video_codec == "h264" and info.audio_codec == "aac"
        assert abs((info.video_duration or info.duration) - clip.duration_seconds) < 0.1
    a = _frame(files[plain.id], 0.8, 1080, 1920)
    b = _frame(files[burned.id], 0.8, 1080, 1920)
    lower = slice(1920 // 2, 1920)  # subtitles sit in the lower part of the frame
    assert np.abs(a[lower] - b[lower]).mean() > 2.0, "burned subtitles did not change pixels"
    assert np.abs(a[: 1920 // 4] - b[: 1920 // 4]).mean() < 1.0, "the picture itself changed"
    detail = await gql(operation("ExportDetail"), {"id": gid("Export", burned.id)}, run.token)
    node = detail["data"]["node"]
    assert node["status"] == "READY" and node["url"] and node["aspectRatio"] == "VERTICAL_9_16"
    assert node["clip"] == {"id": gid("Clip", clip.id)}
