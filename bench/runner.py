"""Runs the chosen benchmarks in one private environment and records what they measured.

A benchmark whose feature is not on main yet reports `available: false` with the reason;
one that crashes is recorded the same way, so the others still run and the report is
always written.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.env import BenchEnv, close_env, open_env

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
ORDER = ("api", "queue", "events", "pipeline", "export")


@dataclass
class Options:
    duration: float = 8.0
    quick: bool = False  # tiny counts: smoke tests
    long: bool = False  # pipeline: also the 60-minute video
    what_if: bool = True  # queue: also a what-if max_jobs run
    pipeline_baselines: bool = True
    profile: bool = True  # api: py-spy the api under load (and pyinstrument in-process)
    extra: dict[str, Any] = field(default_factory=dict)


async def _api(env: BenchEnv, o: Options) -> dict[str, Any]:
    from bench.api_bench import ApiConfig, run

    cfg = ApiConfig(duration=o.duration, profile=o.profile)
    if o.quick:
        cfg = ApiConfig(concurrency=(2,), duration=0.3, warmup=0.1, max_requests=10, cpu_samples=20)
    return await run(env, cfg)


async def _queue(env: BenchEnv, o: Options) -> dict[str, Any]:
    from bench.queue_bench import QueueConfig, run

    cfg = QueueConfig(pickups=10, jobs=20) if o.quick else QueueConfig(what_if_max_jobs=20)
    if not o.what_if:
        cfg.what_if_max_jobs = 0
    return await run(env, cfg)


async def _events(env: BenchEnv, o: Options) -> dict[str, Any]:
    from bench.events_bench import EventsConfig, run

    cfg = (
        EventsConfig(sockets=20, users=5, rates=(10.0,), seconds=1.0, pause=0.5, gc_threshold="")
        if o.quick
        else EventsConfig(profile=o.profile)
    )
    return await run(env, cfg)


async def _pipeline(env: BenchEnv, o: Options) -> dict[str, Any]:
    from bench.pipeline_bench import PipelineConfig, run

    cfg = PipelineConfig(minutes=1.0) if o.quick else PipelineConfig(long=o.long)
    cfg.baselines = o.pipeline_baselines
    return await run(env, cfg)


async def _export(env: BenchEnv, o: Options) -> dict[str, Any]:
    """Detectors compared, then exports per reframe mode (no database or worker needed)."""
    import asyncio

    from bench import export_bench

    return {
        "detectors": await asyncio.to_thread(export_bench.detectors, o.quick),
        "exports": await export_bench.exports(o.quick),
    }


BENCHMARKS: dict[str, Callable[[BenchEnv, Options], Awaitable[dict[str, Any]]]] = {
    "api": _api,
    "queue": _queue,
    "events": _events,
    "pipeline": _pipeline,
    "export": _export,
}


def load_results(path: Path = RESULTS_JSON) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    except (OSError, ValueError):
        return {"benchmarks": {}}


async def run(names: list[str], opts: Options) -> dict[str, Any]:
    """Run `names` (in ORDER); returns {"machine": ..., "benchmarks": {name: result}}."""
    from bench.machine import calibrate, describe

    env = await open_env()
    out: dict[str, Any] = {"benchmarks": {}}
    try:
        out["machine"] = await describe(env.database_url, env.redis_url)
        for name in [n for n in ORDER if n in names]:
            print(f"== {name}", flush=True)
            t0 = time.monotonic()
            before = await calibrate(env.database_url, env.redis_url)
            try:
                result = await BENCHMARKS[name](env, opts)
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not stop the rest
                traceback.print_exc()
                result = {"available": False, "reason": f"crashed: {exc!r}"[:500]}
            result.setdefault("available", True)
            result["ran_at"] = out["machine"]["date"]
            result["wall_seconds"] = round(time.monotonic() - t0, 1)
            result["machine_state"] = {
                "before": before,
                "load_avg_after": [round(x, 2) for x in os.getloadavg()],
            }
            out["benchmarks"][name] = result
    finally:
        await close_env(env)
    return out


def merge(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Benchmarks not re-run keep their last figures (each records when it ran)."""
    merged = {"benchmarks": dict(previous.get("benchmarks", {}))}
    merged["benchmarks"].update(new["benchmarks"])
    merged["machine"] = new.get("machine") or previous.get("machine", {})
    return merged


def write(
    results: dict[str, Any], json_path: Path = RESULTS_JSON, md_path: Path = RESULTS_MD
) -> None:
    from bench.report import render

    json_path.write_text(json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
    md_path.write_text(render(results))
