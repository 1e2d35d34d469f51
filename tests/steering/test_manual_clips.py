"""createClip, updateClip and deleteClip on real media: spans snapped to words, cut by the
worker's job (CLIP COMPLETED carries the clip's id), scored by the local scorer, files replaced
and never duplicated, and bad input refused with nothing written."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from core import config
from core.probe import probe
from core.storage import get_store
from orm.models import Caption, Clip, Export, TranscriptSegment, Upload
from orm.models.enums import AspectRatio, ClipOrigin, ExportStatus, UploadStatus
from tests.factories import create_user, gid
from tests.pipeline.conftest import Talk
from tests.pipeline.contract import operation
from tests.steering.conftest import Ready, clone, queued_jobs, run_job, stored_keys


async def _words(upload_id: Any) -> list[dict[str, Any]]:
    segments = await TranscriptSegment.filter(transcript__upload_id=upload_id).order_by("index")
    return [w for s in segments for w in s.words]


def _inside(words: list[dict[str, Any]], start: float, end: float) -> list[dict[str, Any]]:
    return [w for w in words if start <= (w["start"] + w["end"]) / 2 <= end]


async def _create(gql: Any, token: str, upload_id: Any, **fields: Any) -> dict[str, Any]:
    variables = {"input": {"uploadId": gid("Upload", upload_id), **fields}}
    return dict((await gql(operation("CreateClip"), variables, token))["data"]["createClip"])


async def _update(gql: Any, token: str, clip_id: Any, **fields: Any) -> dict[str, Any]:
    variables = {"input": {"id": gid("Clip", clip_id), **fields}}
    return dict((await gql(operation("UpdateClip"), variables, token))["data"]["updateClip"])


def _row(c: Clip) -> tuple[Any, ...]:
    return (
        c.id,
        c.rank,
        c.origin,
        c.start_seconds,
        c.end_seconds,
        c.duration_seconds,
        c.score,
        c.title,
        c.reason,
        c.video_key,
        c.ass_key,
        tuple((p["name"], p["score"]) for p in c.score_breakdown),
    )


async def test_create_clip_cuts_a_manual_clip(
    gql: Any, ready: Ready, fresh: Any, talk: Talk, tmp_path: Path
) -> None:
    store = get_store()
    words = await _words(fresh.id)
    start, end = talk.onsets[2] - 0.3, talk.onsets[3] - 0.4  # sentence 2 and the pause after
    said = _inside(words, start, end)
    payload = await _create(gql, ready.token, fresh.id, startSeconds=start, endSeconds=end)
    assert payload["errors"] == []
    clip = payload["clip"]
    assert clip["origin"] == "MANUAL"
    assert (clip["startSeconds"], clip["endSeconds"]) == (said[0]["start"], said[-1]["end"])
    assert clip["title"].startswith(said[0]["text"])  # its first sentence, until it is cut
    pk = uuid.UUID(_pk(clip["id"]))
    assert not await Clip.exists(id=pk)  # the row comes with its files

    ((ident, args),) = await queued_jobs(f"cut_clip:{pk}")
    result, events = await run_job("cut_clip", args)
    assert result["clip_id"] == str(pk)
    assert [(e["stage"], e["status"]) for e in events][0] == ("CLIP", "STARTED")
    assert (events[-1]["stage"], events[-1]["status"]) == ("CLIP", "COMPLETED")
    assert {e["clip_id"] for e in events} == {str(pk)}

    row = await Clip.get(id=pk)
    assert row.origin == ClipOrigin.MANUAL
    assert (row.start_seconds, row.end_seconds) == (said[0]["start"], said[-1]["end"])
    assert "consistency" in row.title.lower()
    assert 0 < row.score <= 100 and {p["name"] for p in row.score_breakdown} >= {"hook", "rate"}
    await store.download(row.video_key, tmp_path / "clip.mp4")
    info = await probe(tmp_path / "clip.mp4")
    assert abs((info.video_duration or info.duration) - row.duration_seconds) <= 1 / (
        info.fps or 25
    )
    assert row.video_key == f"uploads/{fresh.id}/clips/{pk}/clip.mp4"
    assert "consistency" in (await store.get_bytes(row.srt_key)).decode().lower()
    assert await Caption.filter(clip_id=pk).count() == 5
    clips = await Clip.filter(upload_id=fresh.id).order_by("rank")
    assert [c.rank for c in clips] == list(range(1, len(clips) + 1)) and len(clips) == 4
    assert [c.score for c in clips] == sorted((c.score for c in clips), reverse=True)

    # the job again: the same row, captions and files
    files, caps = await stored_keys(fresh.id), await _captions(pk)
    await run_job("cut_clip", args)
    assert _row(await Clip.get(id=pk)) == _row(row)
    assert await _captions(pk) == caps
    again = await stored_keys(fresh.id)
    assert set(again) == set(files)
    assert all(again[k] == files[k] for k in files if k.endswith((".srt", ".vtt", ".ass")))

    # a title given is kept
    named = await _create(
        gql, ready.token, fresh.id, startSeconds=start, endSeconds=end, title=" Simple  answer "
    )
    assert named["clip"]["title"] == "Simple answer"
    ((_, named_args),) = await queued_jobs(f"cut_clip:{_pk(named['clip']['id'])}")
    await run_job("cut_clip", named_args)
    assert (await Clip.get(id=_pk(named["clip"]["id"]))).title == "Simple answer"


async def test_bad_spans_write_nothing(gql: Any, ready: Ready, fresh: Any, talk: Talk) -> None:
    duration = fresh.duration_seconds
    before = [_row(c) for c in await Clip.filter(upload_id=fresh.id).order_by("rank")]
    span = {"startSeconds": talk.onsets[1], "endSeconds": talk.onsets[3]}
    cases = [
        ({"startSeconds": 12.0, "endSeconds": 8.0}, "INVALID_SPAN", "input.endSeconds"),
        ({"startSeconds": 8.0, "endSeconds": 8.0}, "INVALID_SPAN", "input.endSeconds"),
        ({"startSeconds": -1.0, "endSeconds": 8.0}, "SPAN_OUTSIDE_MEDIA", "input.startSeconds"),
        (
            {"startSeconds": 8.0, "endSeconds": duration + 5},
            "SPAN_OUTSIDE_MEDIA",
            "input.endSeconds",
        ),
        ({"startSeconds": 0.0, "endSeconds": 0.6}, "NO_SPEECH_IN_SPAN", "input.startSeconds"),
        ({**span, "title": "   "}, "INVALID_TITLE", "input.title"),
    ]
    for fields, code, field in cases:
        payload = await _create(gql, ready.token, fresh.id, **fields)
        assert payload["clip"] is None, fields
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], fields
    saved = dict(config._overrides)
    try:
        config.configure(**saved, clip_max_seconds=2.0)  # at most 3 x 2 s
        payload = await _create(gql, ready.token, fresh.id, **span)
        assert payload["errors"][0]["code"] == "CLIP_TOO_LONG"
    finally:
        config.configure(**saved)
    _, stranger = await create_user()
    payload = await _create(gql, stranger, fresh.id, **span)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "input.uploadId")]
    await Upload.filter(id=fresh.id).update(status=UploadStatus.CLIPPING)
    payload = await _create(gql, ready.token, fresh.id, **span)
    assert payload["errors"][0]["code"] == "UPLOAD_NOT_READY"
    assert await queued_jobs("cut_clip:") == []
    assert [_row(c) for c in await Clip.filter(upload_id=fresh.id).order_by("rank")] == before


async def test_update_clip_renames_or_recuts(
    gql: Any, ready: Ready, fresh: Any, talk: Talk
) -> None:
    store = get_store()
    clip = (await Clip.filter(upload_id=fresh.id).order_by("rank"))[0]
    renamed = await _update(gql, ready.token, clip.id, title="Why podcasts stop")
    assert renamed["errors"] == [] and renamed["clip"]["origin"] == "MANUAL"
    row = await Clip.get(id=clip.id)
    assert (row.title, row.origin, row.video_key) == (
        "Why podcasts stop",
        ClipOrigin.MANUAL,
        clip.video_key,
    )
    assert await queued_jobs("cut_clip:") == []  # a new title is no new cut

    export = await Export.create(
        user_id=ready.user.id,
        clip_id=clip.id,
        aspect_ratio=AspectRatio.SQUARE_1_1,
        status=ExportStatus.READY,
        key=f"uploads/{fresh.id}/exports/{uuid.uuid4()}.mp4",
    )
    assert export.key is not None
    await store.put_bytes(export.key, b"an old render")
    words = await _words(fresh.id)
    end = clip.end_seconds - 1.5  # trim the last words
    kept = _inside(words, clip.start_seconds, end)
    payload = await _update(gql, ready.token, clip.id, endSeconds=end)
    assert payload["errors"] == []
    assert payload["clip"]["endSeconds"] == kept[-1]["end"] < clip.end_seconds
    assert payload["clip"]["startSeconds"] == clip.start_seconds
    busy = await _update(gql, ready.token, clip.id, startSeconds=clip.start_seconds + 0.5)
    assert busy["errors"][0]["code"] == "CLIP_BUSY"
    outside = await _update(gql, ready.token, clip.id, endSeconds=fresh.duration_seconds + 9)
    assert outside["errors"][0]["code"] == "SPAN_OUTSIDE_MEDIA"
    assert (await Clip.get(id=clip.id)).end_seconds == clip.end_seconds  # not cut yet

    count_before = len(await stored_keys(fresh.id))
    old_video = await store.get_bytes(clip.video_key)
    ((_, args),) = await queued_jobs(f"cut_clip:{clip.id}")
    _, events = await run_job("cut_clip", args)
    assert (events[-1]["status"], events[-1]["clip_id"]) == ("COMPLETED", str(clip.id))
    row = await Clip.get(id=clip.id)
    assert (row.start_seconds, row.end_seconds) == (clip.start_seconds, kept[-1]["end"])
    assert row.title == "Why podcasts stop" and row.origin == ClipOrigin.MANUAL
    assert row.duration_seconds < clip.duration_seconds
    assert await store.get_bytes(row.video_key) != old_video
    assert not await Export.exists(id=export.id) and not await store.exists(export.key)
    assert len(await stored_keys(fresh.id)) == count_before - 1  # replaced, not duplicated
    assert row.video_key == f"uploads/{fresh.id}/clips/{clip.id}/clip.mp4"
    assert not await store.exists(clip.video_key) and not await store.exists(clip.srt_key)


async def test_delete_clip_removes_row_captions_and_files(
    gql: Any, ready: Ready, fresh: Any
) -> None:
    store = get_store()
    clips = await Clip.filter(upload_id=fresh.id).order_by("rank")
    gone = clips[0]
    export = await Export.create(
        user_id=ready.user.id,
        clip_id=gone.id,
        aspect_ratio=AspectRatio.SQUARE_1_1,
        status=ExportStatus.READY,
        key=f"uploads/{fresh.id}/exports/{uuid.uuid4()}.mp4",
    )
    assert export.key is not None
    await store.put_bytes(export.key, b"render")
    _, stranger = await create_user()
    foreign = await gql(operation("DeleteClip"), {"id": gid("Clip", gone.id)}, stranger)
    assert foreign["data"]["deleteClip"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql(operation("DeleteClip"), {"id": gid("Clip", gone.id)}, ready.token)
    assert body["data"]["deleteClip"] == {"deletedId": gid("Clip", gone.id), "errors": []}
    assert not await Clip.exists(id=gone.id) and not await Caption.exists(clip_id=gone.id)
    assert not await Export.exists(id=export.id)
    for key in (gone.video_key, gone.thumbnail_key, gone.srt_key, gone.vtt_key, gone.ass_key):
        assert not await store.exists(key)
    assert not await store.exists(export.key)
    rest = await Clip.filter(upload_id=fresh.id).order_by("rank")
    assert [c.rank for c in rest] == list(range(1, len(clips)))
    assert [c.id for c in rest] == [c.id for c in clips[1:]]
    assert all([await store.exists(c.video_key) for c in rest])
    # a re-cut queued before the delete finds nothing to do
    result, _ = await run_job(
        "cut_clip",
        [str(gone.id), {"upload_id": str(fresh.id), "start": 1.0, "end": 4.0, "create": False}],
    )
    assert result == {"skipped": "clip not found"}


async def test_edits_are_for_ready_uploads_only(gql: Any, ready: Ready) -> None:
    other = await clone(ready.upload)
    clip = (await Clip.filter(upload_id=other.id))[0]
    await Upload.filter(id=other.id).update(status=UploadStatus.CAPTIONING)
    for body in (
        await _update(gql, ready.token, clip.id, title="x"),
        dict(
            (await gql(operation("DeleteClip"), {"id": gid("Clip", clip.id)}, ready.token))["data"][
                "deleteClip"
            ]
        ),
    ):
        assert body["errors"][0]["code"] == "UPLOAD_NOT_READY"
    assert (await Clip.get(id=clip.id)).title == clip.title


def _pk(global_id: str) -> str:
    from graphql_api.common.relay import from_global_id

    return from_global_id(global_id)[1]


async def _captions(clip_id: Any) -> list[tuple[str, str]]:
    return sorted((c.platform, c.text) for c in await Caption.filter(clip_id=clip_id))
