"""Benchmark: a long generated talk transcribed in chunks by 1 and 2 worker processes.

`python -m bench.chunks_bench [--minutes 60] [--workers 1,2] [--chunk-seconds 300]
[--json-out FILE]` (opt-in; tests/bench runs it at tiny sizes). For each worker count it
reports the time from starting `transcribe` to READY, the peak resident memory of each worker
process, how many chunks there were, and the seam accuracy: for every seam, the 10 words
around it must match 10 consecutive words of the known script with at most one edit (no word
lost or doubled at the cut). It also measures how long an export waits to start while the
workers' long slots transcribe (the interactive slots are free for it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import procs
from bench.env import BenchEnv, close_env, flush_redis, open_env
from bench.media import CACHE, run, talk_video
from bench.seed import make_user

SEAM_WORDS = 10


def words(text: str) -> list[str]:
    import re

    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def edits(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            cost = min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]))
            diagonal, row[j] = row[j], cost
    return row[len(b)]


def window_ok(timed: list[tuple[float, str]], at: float, reference: list[str]) -> bool:
    """The SEAM_WORDS words around `at` (half before, half after) match the script."""
    before = [t for start, t in timed if start < at][-SEAM_WORDS // 2 :]
    after = [t for start, t in timed if start >= at][: SEAM_WORDS // 2]
    return seam_ok(words(" ".join(before + after)), reference)


def seam_ok(window: list[str], reference: list[str]) -> bool:
    """True when some run of the reference matches the window with at most one edit."""
    n = len(window)
    for start in range(0, max(1, len(reference) - n + 1)):
        if reference[start] not in window[:2] and reference[start + 1 : start + 2] != window[:1]:
            continue
        if edits(window, reference[start : start + n]) <= 1:
            return True
    return False


async def make_upload(user: Any, video: Path) -> Any:
    from core.probe import probe
    from core.storage import get_store
    from orm.models import Upload
    from orm.models.enums import UploadStatus

    upload_id = uuid.uuid4()
    key = f"uploads/{upload_id}/original.mp4"
    store = get_store()
    await store.ensure_bucket()
    await store.put_file(key, video, "video/mp4")
    info = await probe(video)
    size = await asyncio.to_thread(lambda: video.stat().st_size)
    return await Upload.create(
        id=upload_id,
        user=user,
        filename=video.name,
        content_type="video/mp4",
        size_bytes=size,
        storage_key=key,
        status=UploadStatus.QUEUED,
        duration_seconds=info.duration,
        upload_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


async def make_export_target(user: Any, upload: Any, video: Path, work: Path) -> Any:
    """A READY clip (the talk's first 8 s) that exports can be rendered from."""
    from core.storage import get_store
    from orm.models import Clip

    clip_file = work / "clip.mp4"
    run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(video), "-t", "8", "-c", "copy",
         str(clip_file)])  # fmt: skip
    base = f"uploads/{upload.id}/bench-clip"
    await get_store().put_file(f"{base}.mp4", clip_file, "video/mp4")
    return await Clip.create(
        upload=upload,
        rank=1,
        start_seconds=0.0,
        end_seconds=8.0,
        duration_seconds=8.0,
        score=50,
        title="bench",
        reason="bench",
        video_key=f"{base}.mp4",
        thumbnail_key=f"{base}.jpg",
        srt_key=f"{base}.srt",
        vtt_key=f"{base}.vtt",
        ass_key=f"{base}.ass",
    )


async def export_delay(user: Any, clip: Any) -> float:
    """Seconds from starting an export to its job moving it to RENDERING."""
    from core.pipeline import ExportStatus
    from jobs.schedule import start_export
    from orm.models import Export
    from orm.models.enums import AspectRatio

    export = await Export.create(user_id=user.id, clip=clip, aspect_ratio=AspectRatio.SQUARE_1_1)
    began = time.perf_counter()
    await start_export(export.id)
    while True:
        await export.refresh_from_db()
        if export.status != ExportStatus.QUEUED:
            return time.perf_counter() - began
        await asyncio.sleep(0.02)


async def one_run(
    env: BenchEnv, video: Path, script: str, workers: int, chunk_seconds: float, exports: int
) -> dict[str, Any]:
    from core.pipeline import UploadStatus
    from jobs.schedule import start
    from orm.models import Transcript, TranscriptChunk, TranscriptSegment, Upload

    await flush_redis(env.redis_url)
    user, _ = await make_user(f"chunks-{workers}", minutes=10_000)
    upload = await make_upload(user, video)
    extra = {"CLIPFORGE_TRANSCRIBE_CHUNK_SECONDS": str(chunk_seconds)}
    servers = [
        procs.spawn(
            f"worker-{workers}-{i}", [sys.executable, "-m", "cli.main", "worker"], env, **extra
        )  # fmt: skip
        for i in range(workers)
    ]
    peak = [0] * workers
    seams: set[float] = set()
    delays: list[float] = []
    try:
        began = time.perf_counter()
        await start("transcribe", upload.id)
        clip = None
        while True:
            for i, server in enumerate(servers):
                if server.proc.poll() is not None:
                    raise RuntimeError(f"worker exited:\n{server.tail()}")
                peak[i] = max(peak[i], server.rss())
            chunk_rows = await TranscriptChunk.filter(upload_id=upload.id)
            seams |= {round(r.start_seconds, 3) for r in chunk_rows if r.index > 0}
            await upload.refresh_from_db()
            if upload.status in (UploadStatus.READY, UploadStatus.FAILED):
                break
            done = sum(r.done for r in chunk_rows)
            if len(delays) < exports and chunk_rows and done >= len(delays):
                if clip is None:
                    clip = await make_export_target(user, upload, video, env.var_dir)
                delays.append(await export_delay(user, clip))
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - began
    finally:
        for server in servers:
            procs.stop(server)
    assert upload.status == UploadStatus.READY, upload.error
    transcript = await Transcript.get(upload_id=upload.id)
    rows = await TranscriptSegment.filter(transcript_id=transcript.id).order_by("index")
    timed = [(float(w["start"]), str(w["text"])) for s in rows for w in s.words]
    reference = words(script)
    checked, control = [], []
    for seam in sorted(seams):
        checked.append(window_ok(timed, seam, reference))
        # The same check half a chunk away from any cut: what transcription errors alone give.
        control.append(window_ok(timed, seam - chunk_seconds / 2, reference))
    await Upload.filter(id=upload.id).delete()
    return {
        "workers": workers,
        "seconds_to_ready": round(elapsed, 1),
        "audio_minutes": round((upload.duration_seconds or 0) / 60, 1),
        "chunks": len(seams) + 1,
        "peak_worker_rss_mb": [round(p / 2**20) for p in peak],
        "seams_checked": len(checked),
        "seam_accuracy": round(sum(checked) / len(checked), 3) if checked else None,
        "mid_chunk_accuracy": round(sum(control) / len(control), 3) if control else None,
        "words": len(timed),
        "export_start_delay_s": [round(d, 3) for d in delays],
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    env = await open_env()
    try:
        video = talk_video(args.minutes * 60)
        script = (CACHE / f"talk-{int(args.minutes * 60)}s.txt").read_text()
        runs = [
            await one_run(env, video, script, n, args.chunk_seconds, args.exports)
            for n in args.workers
        ]
    finally:
        await close_env(env)
    return {"minutes": args.minutes, "chunk_seconds": args.chunk_seconds, "runs": runs}


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chunks_bench", description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--chunk-seconds", type=float, default=300.0)
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    parser.add_argument("--exports", type=int, default=3, help="export delays sampled per run")
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    results = asyncio.run(main(args))
    text = json.dumps(results, indent=2)
    if args.json_out:
        Path(args.json_out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
