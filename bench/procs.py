"""Servers the benchmarks start: the api (uvicorn, one process), the baseline, the worker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from bench.env import REPO, BenchEnv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    base_url: str = ""
    note: str = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss(self) -> int:
        """Resident memory of the server process (bytes)."""
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process and its live children (uvicorn workers) used so far."""
    process = psutil.Process(pid)
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def spawn(name: str, argv: list[str], env: BenchEnv, **extra_env: str) -> Server:
    log = env.var_dir / f"{name}.log"
    out = log.open("wb")
    proc = subprocess.Popen(
        argv,
        cwd=REPO,
        env=env.child_env(**extra_env),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    return Server(name=name, proc=proc, log=log)


async def wait_http(server: Server, path: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} exited:\n{server.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                resp = await client.get(server.base_url + path, timeout=2)
                if resp.status_code < 500:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {path} in {within}s:\n{server.tail()}")


def stop(server: Server, timeout: float = 15.0) -> None:
    """SIGINT (graceful), then SIGKILL; only this server's own process group."""
    if server.proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.proc.pid, signal.SIGINT)
    try:
        server.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(5)


def short(problem: str) -> str:
    """The first failing check of a /readyz body, briefly."""
    try:
        checks = json.loads(problem)["checks"]
        name, why = next((k, v) for k, v in checks.items() if v != "ok")
        return f"{name}: {why.split('.')[0]}"
    except (ValueError, KeyError, StopIteration, AttributeError):
        return problem[:120]


async def ready(server: Server) -> str | None:
    """None when /readyz says ready, else what it said."""
    async with httpx.AsyncClient() as client:
        resp = await client.get(server.base_url + "/readyz", timeout=10)
    return None if resp.status_code == 200 else resp.text[:300]


async def start_api(
    env: BenchEnv, *, stand_in: bool = False, workers: int = 1, **extra_env: str
) -> Server:
    """The real api: `python -m cli.main serve --workers N` (uvicorn) on a free port.

    If it starts but cannot reach Postgres (see bench/api_server.py), the same command is
    run again through the stand-in launcher, and the server's `note` says so.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers)]
    forced = stand_in or os.environ.get("BENCH_API_LAUNCHER") == "stand-in"
    if not forced:
        server = spawn("api", argv, env, CLIPFORGE_PUBLIC_BASE_URL=base, **extra_env)
        server.base_url = base
        await wait_http(server, "/healthz")
        problem = await ready(server)
        if problem is None:
            return server
        stop(server)
    argv = [sys.executable, "-m", "bench.api_server", "127.0.0.1", str(port), str(workers)]
    server = spawn("api", argv, env, CLIPFORGE_PUBLIC_BASE_URL=base, **extra_env)
    server.base_url = base
    if forced:
        server.note = (
            "bench/api_server.py (an experiment: "
            + (", ".join(f"{k}={v}" for k, v in extra_env.items()) or "as is")
            + ")"
        )
    else:
        server.note = (
            "bench/api_server.py, because `clipforge serve` answered /readyz with "
            f"{short(problem)} (see the limits section)"
        )
    await wait_http(server, "/healthz")
    if (again := await ready(server)) is not None:
        stop(server)
        raise RuntimeError(f"api not ready: {again}")
    return server


async def start_baseline(env: BenchEnv) -> Server:
    """The baseline: bench/baseline_app.py on uvicorn (one process, same loop and parser)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "uvicorn", "bench.baseline_app:app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    argv += ["--no-access-log"]
    server = spawn("baseline", argv, env, CLIPFORGE_PUBLIC_BASE_URL=base)
    server.base_url = base
    await wait_http(server, "/healthz")
    return server


async def start_strawberry_baseline(env: BenchEnv) -> Server:
    """The bare Strawberry app (bench/strawberry_baseline.py) on the same uvicorn."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "uvicorn", "bench.strawberry_baseline:app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    argv += ["--no-access-log"]
    server = spawn("strawberry", argv, env, CLIPFORGE_PUBLIC_BASE_URL=base)
    server.base_url = base
    await wait_http(server, "/healthz")
    return server


def real_worker_argv() -> list[str]:
    """The worker exactly as deployed: `clipforge worker`."""
    return [sys.executable, "-m", "cli.main", "worker"]


def start_worker(env: BenchEnv, settings_module: str = "bench.worker", **extra: str) -> Server:
    """An arq worker process; bench.worker adds the bench's no-op job to the real settings."""
    return spawn("worker", [sys.executable, "-m", settings_module], env, **extra)
