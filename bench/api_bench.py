"""Benchmark 1: latency and throughput of Me, Uploads and UploadDetail, against baselines.

The api runs as the real `clipforge serve --workers 1` (uvicorn, one process). Two
same-run baselines answer the same reads on the same uvicorn from the same database:
bench/strawberry_baseline.py (a bare Strawberry app, sent the very same documents) and
bench/baseline_app.py (bare Starlette + asyncpg, JSON by hand). Load comes from `hey`
(bench/hey.py) when installed, else from `python -m bench.load`; each cell runs the
three servers back to back so drift hits all of them. A last table shows requests/s
with `--workers 1` and `--workers 2`.
"""

from __future__ import annotations

import asyncio
import functools
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

# The concurrency levels the targets name (issue 17): 64 clients for Me and Uploads, 16 for
# UploadDetail (and 16 for Me's tighter target).
CELLS = {"Me": (1, 16, 64), "Uploads": (1, 16, 64), "UploadDetail": (1, 16)}
SCALING = {"Me": 64, "Uploads": 64}  # requests/s with --workers 1 and 2


@dataclass
class ApiConfig:
    concurrency: tuple[int, ...] = ()  # () : CELLS; else the same levels for every query
    duration: float = 8.0
    warmup: float = 1.5
    max_requests: int = 200_000
    grace: float = 5.0
    cpu_samples: int = 200
    profile: bool = False
    scaling: bool = True

    def levels(self, query: str) -> tuple[int, ...]:
        return self.concurrency or CELLS[query]


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
    """One cell's figures: hey when installed, else the Python client."""
    from bench import hey

    if hey.available():
        return await hey.load(spec)
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


async def graphql_data(client: httpx.AsyncClient, url: str, case: Case) -> tuple[Any, str | None]:
    headers = {"Authorization": f"Bearer {case.token}", "Content-Type": "application/json"}
    resp = await client.post(url + "/graphql", content=case.body(), headers=headers)
    try:
        body = resp.json()
    except ValueError:
        return None, f"HTTP {resp.status_code}: {resp.text[:200]}"
    if resp.status_code != 200 or body.get("errors"):
        return None, str(body.get("errors") or resp.status_code)[:300]
    return body["data"], None


async def probe(
    api: str, baseline: str, bare: str, case: Case
) -> tuple[str | None, bool | None, bool | None]:
    """(error if the api cannot answer the query yet, whether the Starlette baseline and
    the bare Strawberry app return the same data)."""
    headers = {"Authorization": f"Bearer {case.token}"}
    async with httpx.AsyncClient(timeout=30) as client:
        data, error = await graphql_data(client, api, case)
        if error is not None:
            return error, None, None
        base = (await client.get(baseline + case.baseline_path, headers=headers)).json()
        bare_data, bare_error = await graphql_data(client, bare, case)
    same_bare = bare_error is None and normalized(data) == normalized(bare_data)
    return None, normalized(data) == normalized(base["data"]), same_bare


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
    """py-spy on the api process under each query's highest target load (after a 2 s ramp)."""
    from bench import pyspy

    if not pyspy.available():
        return api, {"skipped": "py-spy is not installed"}
    out: dict[str, Any] = {}
    for case in cases:
        raw = env.var_dir / f"pyspy-{case.name}.txt"
        run_cfg = ApiConfig(duration=8.0, warmup=0.0, grace=cfg.grace)
        clients = max(CELLS.get(case.name, (16,)))
        load_task = asyncio.create_task(
            load(spec(api.base_url + "/graphql", "POST", case, clients, run_cfg))
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
            out[case.name]["clients"] = clients
            print(f"  py-spy {case.name} ({clients} clients): {top}")
        else:
            out[case.name] = {"skipped": "py-spy could not attach"}
    return api, out


async def scaling(env: BenchEnv, cases: list[Case], cfg: ApiConfig) -> dict[str, Any]:
    """Requests/s of `clipforge serve --workers 1` and `--workers 2`, back to back."""
    out: dict[str, Any] = {}
    for workers in (1, 2):
        server = await procs.start_api(env, workers=workers)
        try:
            for case in cases:
                if case.name not in SCALING:
                    continue
                c = cfg.concurrency[0] if cfg.concurrency else SCALING[case.name]
                r = await load(spec(server.base_url + "/graphql", "POST", case, c, cfg))
                print(line(f"{case.name} w={workers}", c, "graphql", r), flush=True)
                out.setdefault(case.name, {"clients": c})[str(workers)] = r
                restart = functools.partial(procs.start_api, env, workers=workers)
                server, _ = await settle(server, restart)
        finally:
            procs.stop(server)
    return out


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
    from bench import hey

    result: dict[str, Any] = {
        "config": {
            "concurrency": {c.name: list(cfg.levels(c.name)) for c in cases},
            "seconds_per_cell": cfg.duration,
            "warmup_seconds": cfg.warmup,
            "load_client": "hey" if hey.available() else "python (bench.load)",
        },
        "queries": {},
    }
    api = await procs.start_api(env)
    started: list[procs.Server] = [api]
    try:
        baseline = await procs.start_baseline(env)
        started.append(baseline)
        bare = await procs.start_strawberry_baseline(env)
        started.append(bare)
    except Exception:
        for server in started:
            procs.stop(server)
        raise
    try:
        result["api_launcher"] = api.note or "clipforge serve --workers 1"
        result["api_rss_mb_idle"] = round(api.rss() / 2**20, 1)
        for case in cases:
            error, same, same_bare = await probe(
                api.base_url, baseline.base_url, bare.base_url, case
            )
            entry: dict[str, Any] = {"available": error is None, "cells": {}}
            result["queries"][case.name] = entry
            if error is not None:
                entry["reason"] = error
                print(f"  {case.name}: not available yet ({error[:120]})")
                print(api.tail(15))
                continue
            entry["same_data_as_baseline"] = same
            entry["same_data_as_strawberry"] = same_bare
            for c in cfg.levels(case.name):
                g = await load(spec(api.base_url + "/graphql", "POST", case, c, cfg))
                print(line(case.name, c, "graphql", g), flush=True)
                api, g["server_restarted"] = await settle(api, lambda: procs.start_api(env))
                sb = await load(spec(bare.base_url + "/graphql", "POST", case, c, cfg))
                print(line(case.name, c, "strawb.", sb), flush=True)
                bare, sb["server_restarted"] = await settle(
                    bare, lambda: procs.start_strawberry_baseline(env)
                )
                b = await load(spec(baseline.base_url + case.baseline_path, "GET", case, c, cfg))
                print(line(case.name, c, "baseline", b), flush=True)
                baseline, b["server_restarted"] = await settle(
                    baseline, lambda: procs.start_baseline(env)
                )
                entry["cells"][str(c)] = {
                    "graphql": g,
                    "strawberry": sb,
                    "baseline": b,
                    "ratio_p50": ratio(g["p50"], b["p50"]),
                    "ratio_p95": ratio(g["p95"], b["p95"]),
                }
        result["api_rss_mb_after"] = round(api.rss() / 2**20, 1)
        if cfg.profile:
            api, result["profiles"] = await profile_under_load(env, api, cases, cfg)
    finally:
        procs.stop(bare)
        procs.stop(baseline)
        procs.stop(api)
    if cfg.scaling:
        result["workers"] = await scaling(env, cases, cfg)

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
        from bench.profiling import available, profile_queries

        if not available():
            result["inprocess_profiles"] = {"skipped": "pyinstrument is not installed"}
            return result
        result["inprocess_profiles"] = await profile_queries(
            {
                "Me": (cases[0].document, {}, data.list_token),
                "Uploads": (cases[1].document, {}, data.list_token),
                "UploadDetail": (cases[2].document, {"id": detail_id}, data.detail_token),
            },
            n=max(1, n // 4),
        )
    return result
