"""In-process profiles of the three queries (pyinstrument), for the limits section.

The api app runs inside this process on the bench's database (as in sqlcount), requests
go through httpx's ASGI transport, and pyinstrument samples `n` sequential requests of
each query. Text profiles land in bench/profiles/<query>.txt.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

PROFILES = Path(__file__).resolve().parent / "profiles"


def available() -> bool:
    """pyinstrument comes with the bench extra (`pip install -e .[bench]`)."""
    import importlib.util

    return importlib.util.find_spec("pyinstrument") is not None


def self_time(profiler: Any, top: int = 12) -> dict[str, Any]:
    """Self time by package and by function over the whole profile (as bench.pyspy does for
    py-spy), skipping the event loop's idle wait."""
    from collections import Counter

    from bench.pyspy import package

    session = profiler.last_session
    root = session.root_frame() if session else None
    by_package: Counter[str] = Counter()
    by_func: Counter[str] = Counter()
    stack = [root] if root else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        own = frame.total_self_time
        idle = "select" in frame.function or frame.function.endswith("poll")
        if not own or idle or frame.function in ("[await]", "[self]"):
            continue
        path = frame.file_path or "?"
        pkg = package(path.split("site-packages/", 1)[-1] if "site-packages/" in path else path)
        by_package[pkg] += own
        by_func[f"{frame.function} ({pkg})"] += own
    total = sum(by_package.values()) or 1.0
    return {
        "by_package_pct": {k: round(100 * v / total, 1) for k, v in by_package.most_common(top)},
        "top_functions_pct": {k: round(100 * v / total, 1) for k, v in by_func.most_common(top)},
    }


async def profile_queries(
    requests: dict[str, tuple[str, dict[str, Any], str]], n: int = 100
) -> dict[str, dict[str, Any]]:
    from pyinstrument import Profiler

    from core.config import get_settings
    from graphql_api.app import create_app

    app = create_app(get_settings(), manage_connections=False)
    PROFILES.mkdir(exist_ok=True)
    out: dict[str, dict[str, Any]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for label, (doc, variables, token) in requests.items():
            body = {"query": doc, "variables": variables}
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(3):  # warm caches (parsing, validation, imports)
                await client.post("/graphql", json=body, headers=headers)
            # async_mode disabled: a sample shows what runs, not what a coroutine awaits (the
            # loop's idle wait is dropped below), so the shares are of CPU, not of wall time.
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            t0 = time.perf_counter()
            cpu0 = time.process_time()
            with profiler:
                for _ in range(n):
                    await client.post("/graphql", json=body, headers=headers)
            wall = (time.perf_counter() - t0) / n
            cpu = (time.process_time() - cpu0) / n
            text = profiler.output_text(unicode=False, color=False, show_all=False)
            (PROFILES / f"{label}.txt").write_text(text)
            out[label] = {
                "wall_ms": round(wall * 1000, 2),
                "cpu_ms": round(cpu * 1000, 2),
                **self_time(profiler),
            }
            print(f"  profile {label}: {out[label]['cpu_ms']} ms CPU per request in-process")
    return out
