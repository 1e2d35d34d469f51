"""A stand-in for `clipforge serve`, used only when the real command cannot reach Postgres.

It runs the very same command (cli.main serve: create_app on uvicorn, same options) with
one change: Tortoise is initialised with its global fallback context. Tortoise 1.x keeps
its connections in a contextvar; an init inside Starlette's lifespan task is invisible to
the request tasks, so every query fails there. See bench/limits.md.
Usage: python -m bench.api_server HOST PORT [WORKERS]
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tortoise import Tortoise


def patch_tortoise_init() -> None:
    original = Tortoise.init

    async def init(*args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("_enable_global_fallback", True)
        await original(*args, **kwargs)

    Tortoise.init = init  # type: ignore[method-assign,assignment]


def record_gc_pauses(path: str) -> None:
    """Experiments only (BENCH_GC_LOG): every collection's generation and duration, written
    as JSON when the process exits."""
    import atexit
    import gc
    import json
    import time

    pauses: list[tuple[int, float, float]] = []
    started: dict[str, float] = {}

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started["t"] = time.perf_counter()
        else:
            t = started.pop("t", None)
            if t is not None:
                pauses.append((info["generation"], time.time(), time.perf_counter() - t))

    gc.callbacks.append(callback)

    def dump() -> None:
        with open(path, "w") as out:
            json.dump(pauses, out)

    atexit.register(dump)


def main() -> None:
    host, port = sys.argv[1], sys.argv[2]
    workers = sys.argv[3] if len(sys.argv) > 3 else "1"
    if os.environ.get("BENCH_GC_LOG"):
        record_gc_pauses(os.environ["BENCH_GC_LOG"])
    if os.environ.get("BENCH_GC_THRESHOLD"):  # experiments only, e.g. "50000,50,1000"
        import gc

        gc.set_threshold(*(int(x) for x in os.environ["BENCH_GC_THRESHOLD"].split(",")))
    patch_tortoise_init()
    from cli.main import app

    app(["serve", "--host", host, "--port", port, "--workers", workers])


if __name__ == "__main__":
    main()
