"""Benchmark 3: a generated speech video through the real api and worker, to READY.

The run uses only the client contract: createUpload, a PUT of the bytes to the presigned
target, completeUpload; then it waits for READY in the database. Stage times come from
arq's own job records (start and finish of each transcribe, transcribe_chunk, clip and
captions job). Chunks of a long transcription run side by side, so the time spent inside jobs
is the length of the union of those intervals ("busy"), and everything else (queueing,
pick-up, completeUpload's probe and charge) is orchestration overhead. The plain-tool baselines
(bench/pipeline_baselines.py) run first, on the same video, with no worker running.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import procs
from bench.env import BenchEnv
from bench.media import talk_video
from bench.operations import operation
from bench.pipeline_baselines import run_baselines
from bench.seed import make_user

STAGES = ("transcribe", "transcribe_chunk", "clip", "captions")


@dataclass
class PipelineConfig:
    minutes: float = 10.0
    long: bool = False  # also 60 minutes
    baselines: bool = True


def missing_stages() -> list[str]:
    from jobs.tasks import TASKS

    names = {t.name for t in TASKS}
    return [s for s in STAGES if s not in names]


def union_seconds(spans: list[tuple[float, float]]) -> float:
    """The length of the union of [start, end] intervals (overlapping jobs count once)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


async def gql(client: httpx.AsyncClient, api: str, token: str, op: str, variables: Any) -> Any:
    resp = await client.post(
        api + "/graphql",
        json={"query": operation(op), "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = resp.json()
    if body.get("errors"):
        raise RuntimeError(f"{op}: {body['errors']}"[:500])
    return body["data"]


async def chunks(path: Path, size: int = 1 << 20) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while data := await asyncio.to_thread(f.read, size):
            yield data


async def upload_video(api: str, token: str, video: Path) -> tuple[str, str]:
    """createUpload + PUT; returns (global id, upload uuid). Errors mean: not available."""
    size = (await asyncio.to_thread(video.stat)).st_size
    async with httpx.AsyncClient(timeout=600) as client:
        data = await gql(
            client,
            api,
            token,
            "CreateUpload",
            {
                "input": {
                    "filename": video.name,
                    "contentType": "video/mp4",
                    "sizeBytes": size,
                }
            },
        )
        payload = data["createUpload"]
        if payload["errors"]:
            raise RuntimeError(f"createUpload: {payload['errors']}")
        target = payload["target"]
        headers = {h["name"]: h["value"] for h in target["headers"]}
        headers["Content-Length"] = str(size)
        resp = await client.request(
            target["method"], target["url"], content=chunks(video), headers=headers
        )
        if resp.status_code >= 300:
            raise RuntimeError(
                f"PUT to the upload target: HTTP {resp.status_code} {resp.text[:200]}"
            )
    gid = payload["upload"]["id"]
    from graphql_api.common.relay import decode_uuid

    return gid, str(decode_uuid(gid, "Upload"))


async def wait_ready(upload_id: str, limit: float) -> tuple[str, float, str | None]:
    """(final status, time.time() when seen, error) polling the database every 0.2 s."""
    from orm.models import Upload

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        row = await Upload.filter(id=upload_id).values("status", "error")
        status = str(
            row[0]["status"].value if hasattr(row[0]["status"], "value") else row[0]["status"]
        )
        if status in ("READY", "FAILED"):
            return status, time.time(), row[0]["error"]
        await asyncio.sleep(0.2)
    return "TIMEOUT", time.time(), f"not READY after {limit:.0f} s"


async def stage_times(redis_url: str, upload_id: str) -> tuple[dict[str, float], float]:
    """Seconds inside each stage's successful jobs (summed), and the union of their spans."""
    from arq.connections import RedisSettings, create_pool

    from jobs.serialization import deserialize, serialize

    pool = await create_pool(
        RedisSettings.from_dsn(redis_url), job_serializer=serialize, job_deserializer=deserialize
    )
    try:
        results = await pool.all_job_results()
    finally:
        await pool.aclose()
    out: dict[str, float] = {}
    spans: list[tuple[float, float]] = []
    for r in results:
        if r.function in STAGES and r.success and upload_id in json.dumps(r.args, default=str):
            secs = (r.finish_time - r.start_time).total_seconds()
            out[r.function] = round(out.get(r.function, 0.0) + secs, 2)
            spans.append((r.start_time.timestamp(), r.finish_time.timestamp()))
    return out, round(union_seconds(spans), 2)


async def clip_list(upload_id: str) -> list[tuple[float, float]]:
    from orm.models import Clip

    rows = (
        await Clip.filter(upload_id=upload_id)
        .order_by("rank")
        .values("start_seconds", "end_seconds")
    )
    return [(r["start_seconds"], r["end_seconds"]) for r in rows]


async def one_run(env: BenchEnv, seconds: float, with_baselines: bool) -> dict[str, Any]:
    video = await asyncio.to_thread(talk_video, seconds)
    work = env.var_dir / f"pipeline-{uuid.uuid4().hex[:6]}"
    work.mkdir()
    out: dict[str, Any] = {"media_seconds": seconds, "video": video.name}
    missing = missing_stages()
    if missing:
        out["available"] = False
        out["reason"] = f"the worker has no {', '.join(missing)} task yet (jobs/tasks)"
        print(f"  pipeline: not available yet ({out['reason']})")
        if with_baselines:
            out["baselines"] = await run_baselines(video, seconds, work, None)
            print_baselines(out["baselines"])
        return out

    user, token = await make_user("pipeline", minutes=int(seconds / 60) * 3 + 60)
    api = await procs.start_api(env)
    worker = procs.spawn("worker-real", procs.real_worker_argv(), env)
    try:
        try:
            gid, upload_id = await upload_video(api.base_url, token, video)
        except (RuntimeError, KeyError, TypeError) as exc:
            out.update(available=False, reason=str(exc)[:500])
            print(f"  pipeline: not available yet ({out['reason'][:200]})")
            return out
        t0 = time.time()
        async with httpx.AsyncClient(timeout=300) as client:
            done = await gql(client, api.base_url, token, "CompleteUpload", {"id": gid})
        if done["completeUpload"]["errors"]:
            out.update(
                available=False, reason=f"completeUpload: {done['completeUpload']['errors']}"
            )
            return out
        status, t_end, error = await wait_ready(upload_id, max(1800.0, seconds * 3))
        out["status"] = status
        if status != "READY":
            out.update(available=False, reason=f"upload ended {status}: {error}; {worker.tail(5)}")
            return out
        stages, busy = await stage_times(env.redis_url, upload_id)
        clips = await clip_list(upload_id)
    finally:
        procs.stop(worker)
        procs.stop(api)
    e2e = t_end - t0
    total = busy
    out.update(
        available=True,
        api_launcher=api.note or "clipforge serve",
        model=get_model(),
        stages=stages,
        sum_of_stages=round(sum(stages.values()), 2),
        busy=busy,
        end_to_end=round(e2e, 2),
        real_time_factor=round(seconds / e2e, 2),
        overhead_ratio=round(e2e / total, 3) if total else None,
        overhead_pct=round((e2e / total - 1) * 100, 1) if total else None,
        clips=len(clips),
    )
    print(
        f"  {seconds / 60:.0f} min video: READY in {e2e:.1f} s ({out['real_time_factor']}x real"
        f" time); stages {stages}; inside jobs {busy} s; overhead {out['overhead_pct']} %"
    )
    if with_baselines:
        out["baselines"] = await run_baselines(video, seconds, work, clips or None)
        print_baselines(out["baselines"])
    return out


def get_model() -> str:
    from core.config import get_settings

    return get_settings().whisper_model


def print_baselines(b: dict[str, Any]) -> None:
    for name, r in b.items():
        print(f"  baseline {name}: {r['seconds']} s ({r['real_time_factor']}x)")


async def run(env: BenchEnv, cfg: PipelineConfig | None = None) -> dict[str, Any]:
    cfg = cfg or PipelineConfig()
    result = await one_run(env, cfg.minutes * 60, cfg.baselines)
    if cfg.long and result.get("available"):
        long = await one_run(env, 3600.0, cfg.baselines)
        result["long"] = {
            k: long.get(k)
            for k in (
                "media_seconds",
                "end_to_end",
                "real_time_factor",
                "overhead_pct",
                "stages",
                "baselines",
            )
        }
    return result
