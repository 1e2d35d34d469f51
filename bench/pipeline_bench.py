"""Benchmark 3: a generated speech video through the real worker, against the plain tools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.env import BenchEnv

STAGES = ("transcribe", "clip", "captions")


@dataclass
class PipelineConfig:
    minutes: float = 10.0
    long: bool = False


def missing_stages() -> list[str]:
    from jobs.tasks import TASKS

    names = {t.name for t in TASKS}
    return [s for s in STAGES if s not in names]


async def run(env: BenchEnv, cfg: PipelineConfig | None = None) -> dict[str, Any]:
    missing = missing_stages()
    if missing:
        why = f"the worker has no {', '.join(missing)} task yet (jobs/tasks)"
        print(f"  pipeline: not available yet ({why})")
        return {"available": False, "reason": why}
    return {"available": False, "reason": "pipeline benchmark not written yet"}
