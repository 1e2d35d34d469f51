"""Benchmark 1: latency and throughput of Me, Uploads and UploadDetail, against a baseline.

The api runs as the real `clipforge serve` (uvicorn, one process); the baseline is
bench/baseline_app.py on the same uvicorn; load comes from `python -m bench.load`
processes, one per cell, GraphQL and baseline cells interleaved so drift hits both.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench import procs
from bench.env import BenchEnv
from bench.operations import operation
from bench.seed import seed_api
from bench.stats import ratio


@dataclass
class ApiConfig:
    concurrency: tuple[int, ...] = (1, 50, 200)
    duration: float = 8.0
    warmup: float = 1.5
    max_requests: int = 200_000
    grace: float = 5.0
    cpu_samples: int = 200
    profile: bool = False


@dataclass
class Case:
    name: str
    document: str
    variables: dict[str, Any]
    token: str
    baseline_path: str

    def body(self) -> str:
        return json.dumps({"query": self.document, "variables": self.variables})


async def load(spec: dict[str, Any]) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.load",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(json.dumps(spec).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"load client failed: {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out)
    return result


_URL = re.compile(r"https?://127\.0\.0\.1:\d+(/[^?\"]*)(\?[^\"]*)?")


def normalized(data: Any) -> str:
    """Same content modulo server port, URL signatures and key order."""
    return _URL.sub(r"\1", json.dumps(data, sort_keys=True))


async def probe(api: str, baseline: str, case: Case) -> tuple[str | None, bool | None]:
    """(error if the api cannot answer the query yet, whether both return the same data)."""
    headers = {"Authorization": f"Bearer {case.token}"}
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await client.post(
            api + "/graphql",
            content=case.body(),
            headers={**headers, "Content-Type": "application/json"},
        )
        try:
            body = resp.json()
        except ValueError:
            return f"HTTP {resp.status_code}: {resp.text[:200]}", None
        if resp.status_code != 200 or body.get("errors"):
            return str(body.get("errors") or resp.status_code)[:300], None
        base = (await client.get(baseline + case.baseline_path, headers=headers)).json()
    return None, normalized(body["data"]) == normalized(base["data"])


def spec(url: str, method: str, case: Case, concurrency: int, cfg: ApiConfig) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {case.token}"}
    if method == "POST":
        headers["Content-Type"] = "application/json"
    return {
        "url": url,
        "method": method,
        "body": case.body() if method == "POST" else None,
        "headers": headers,
        "concurrency": concurrency,
        "duration": cfg.duration,
        "warmup": cfg.warmup,
        "max_requests": cfg.max_requests,
        "grace": cfg.grace,
        "graphql": method == "POST",
    }


async def settle(
    server: procs.Server, restart: Callable[[], Awaitable[procs.Server]], wait: float = 5.0
) -> tuple[procs.Server, bool]:
    """Wait for the server to go idle (under 15 % of a core); restart it if it is still
    busy after `wait` seconds.

    Requests whose client gave up keep running in the server (nothing cancels them), and
    the event loop stays responsive meanwhile, so only CPU use shows the backlog.
    """
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        c0, t0 = procs.cpu_seconds(server.pid), time.monotonic()
        await asyncio.sleep(0.5)
        if (procs.cpu_seconds(server.pid) - c0) / (time.monotonic() - t0) < 0.15:
            return server, False
    procs.stop(server)
    return await restart(), True


def line(name: str, c: int, kind: str, r: dict[str, Any]) -> str:
    lb = r.get("lower_bound", [])

    def v(k: str) -> str:
        return (">=" if k in lb else "  ") + f"{r[k]:>8.1f}"

    return (
        f"  {name:<13} c={c:<4} {kind:<8} p50 {v('p50')} ms  p95 {v('p95')} ms"
        f"  p99 {v('p99')} ms  {r['rps']:>7.1f} req/s  errors {r['errors']}"
        f"  unfinished {r.get('unfinished', 0)}"
    )


async def profile_under_load(
    env: BenchEnv, api: procs.Server, cases: list[Case], cfg: ApiConfig
) -> tuple[procs.Server, dict[str, Any]]:
    """py-spy on the api process while 50 clients run each query (after a 2 s ramp)."""
    from bench import pyspy

    if not pyspy.available():
        return api, {"skipped": "py-spy is not installed"}
    out: dict[str, Any] = {}
    for case in cases:
        raw = env.var_dir / f"pyspy-{case.name}.txt"
        run_cfg = ApiConfig(duration=8.0, warmup=0.5, grace=cfg.grace)
        load_task = asyncio.create_task(
            load(spec(api.base_url + "/graphql", "POST", case, 50, run_cfg))
        )
        await asyncio.sleep(2.0)
        ok = await pyspy.record(api.pid, 5, raw)
        await load_task
        api, _ = await settle(api, lambda: procs.start_api(env))
        if ok and raw.exists():
            out[case.name] = pyspy.summarize(raw)
            top = ", ".join(
                f"{k} {v}%" for k, v in list(out[case.name]["by_package_pct"].items())[:6]
            )
            print(f"  py-spy {case.name} (50 clients): {top}")
        else:
            out[case.name] = {"skipped": "py-spy could not attach"}
    return api, out


async def run(env: BenchEnv, cfg: ApiConfig | None = None) -> dict[str, Any]:
    cfg = cfg or ApiConfig()
    data = await seed_api()
    from graphql_api.common.relay import to_global_id

    detail_id = str(to_global_id("Upload", data.detail_upload.id))
    small_id = str(to_global_id("Upload", data.small_upload.id))
    cases = [
        Case("Me", operation("Me"), {}, data.list_token, "/me"),
        Case("Uploads", operation("Uploads"), {}, data.list_token, "/uploads"),
        Case(
            "UploadDetail",
            operation("UploadDetail"),
            {"id": detail_id},
            data.detail_token,
            f"/upload/{detail_id}",
        ),
    ]
    result: dict[str, Any] = {
        "config": {
            "concurrency": list(cfg.concurrency),
            "seconds_per_cell": cfg.duration,
            "warmup_seconds": cfg.warmup,
        },
        "queries": {},
    }
    api = await procs.start_api(env)
    try:
        baseline = await procs.start_baseline(env)
    except Exception:
        procs.stop(api)
        raise
    try:
        result["api_launcher"] = api.note or "clipforge serve"
        result["api_rss_mb_idle"] = round(api.rss() / 2**20, 1)
        for case in cases:
            error, same = await probe(api.base_url, baseline.base_url, case)
            entry: dict[str, Any] = {"available": error is None, "cells": {}}
            result["queries"][case.name] = entry
            if error is not None:
                entry["reason"] = error
                print(f"  {case.name}: not available yet ({error[:120]})")
                print(api.tail(15))
                continue
            entry["same_data_as_baseline"] = same
            for c in cfg.concurrency:
                g = await load(spec(api.base_url + "/graphql", "POST", case, c, cfg))
                print(line(case.name, c, "graphql", g), flush=True)
                api, g["server_restarted"] = await settle(api, lambda: procs.start_api(env))
                b = await load(spec(baseline.base_url + case.baseline_path, "GET", case, c, cfg))
                print(line(case.name, c, "baseline", b), flush=True)
                baseline, b["server_restarted"] = await settle(
                    baseline, lambda: procs.start_baseline(env)
                )
                entry["cells"][str(c)] = {
                    "graphql": g,
                    "baseline": b,
                    "ratio_p50": ratio(g["p50"], b["p50"]),
                    "ratio_p95": ratio(g["p95"], b["p95"]),
                }
        result["api_rss_mb_after"] = round(api.rss() / 2**20, 1)
        if cfg.profile:
            api, result["profiles"] = await profile_under_load(env, api, cases, cfg)
    finally:
        procs.stop(baseline)
        procs.stop(api)

    from bench.sqlcount import count_queries

    counted = await count_queries(
        {
            "Me": (cases[0].document, {}, data.list_token),
            "Uploads": (cases[1].document, {}, data.list_token),
            "UploadDetail@50": (cases[2].document, {"id": detail_id}, data.detail_token),
            "UploadDetail@10": (cases[2].document, {"id": small_id}, data.detail_token),
        }
    )
    result["sql"] = counted
    for label, c in counted.items():
        print(f"  SQL {label:<16} {c['queries']} queries/request (+{c['pool_resets']} pool resets)")

    from bench.cpu_cost import cpu_per_request

    n = cfg.cpu_samples
    result["cpu_ms_per_request"] = cpu = await cpu_per_request(
        {
            "Me": (cases[0].document, {}, data.list_token, n),
            "Uploads": (cases[1].document, {}, data.list_token, max(1, n // 4)),
            "UploadDetail": (
                cases[2].document,
                {"id": detail_id},
                data.detail_token,
                max(1, n // 20),
            ),
        }
    )
    for variant, per in cpu.items():
        shown = ", ".join(f"{k} {v} ms" for k, v in per.items())
        print(f"  CPU per request in-process ({variant}): {shown}")
    if cfg.profile:
        from bench.profiling import profile_queries

        await profile_queries(
            {
                "Me": (cases[0].document, {}, data.list_token),
                "Uploads": (cases[1].document, {}, data.list_token),
                "UploadDetail": (cases[2].document, {"id": detail_id}, data.detail_token),
            },
            n=max(1, n // 4),
        )
    return result
