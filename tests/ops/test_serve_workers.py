"""`clipforge serve --workers N`: N uvicorn processes on one port, sharing only the servers,
and none outliving the command."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from core.config import Settings
from core.embedded import free_port
from tests.ops.processes import Proc, service_env, wait_until

pytestmark = pytest.mark.usefixtures("db")  # /readyz wants a migrated database


async def answers(base: str) -> bool:
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2) as http:
            return (await http.get("/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def start(settings: Settings, tmp_path: Path, workers: int) -> tuple[Proc, str]:
    port = free_port()
    api = Proc(
        ["serve", "--port", str(port), "--workers", str(workers)],
        service_env(settings),
        tmp_path / f"api-{workers}.log",
    )
    base = f"http://127.0.0.1:{port}"
    await wait_until(lambda: answers(base), within=60)
    return api, base


def workers_of(pid: int) -> list[psutil.Process]:
    """uvicorn's worker processes under the supervisor (multiprocessing's helper excluded)."""
    children = psutil.Process(pid).children()
    return [c for c in children if "resource_tracker" not in " ".join(c.cmdline())]


async def test_two_workers_serve_one_port_and_stop_together(
    settings: Settings, redis: Any, tmp_path: Path
) -> None:
    api, base = await start(settings, tmp_path, workers=2)
    try:
        workers = workers_of(api.pid)
        assert len(workers) == 2
        async with httpx.AsyncClient(base_url=base) as http:
            replies = await asyncio.gather(
                *[http.post("/graphql", json={"query": "{ __typename }"}) for _ in range(20)]
            )
        assert {r.json()["data"]["__typename"] for r in replies} == {"Query"}
        api.signal(signal.SIGTERM)
        assert await api.wait(30) == 0
        await wait_until(lambda: _all_gone(workers), within=30)
    finally:
        api.stop()


async def test_workers_do_not_outlive_a_killed_supervisor(
    settings: Settings, redis: Any, tmp_path: Path
) -> None:
    api, _ = await start(settings, tmp_path, workers=2)
    workers = workers_of(api.pid)
    assert len(workers) == 2
    api.stop()  # SIGKILL: the supervisor cannot stop them itself
    await wait_until(lambda: _all_gone(workers), within=30)


async def test_one_worker_runs_in_the_command_s_own_process(
    settings: Settings, redis: Any, tmp_path: Path
) -> None:
    api, _ = await start(settings, tmp_path, workers=1)
    try:
        assert workers_of(api.pid) == []
    finally:
        api.stop()


async def _all_gone(processes: list[psutil.Process]) -> bool:
    return not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


def test_the_default_follows_the_cpu_limit(tmp_path: Path) -> None:
    from cli.main import _cores

    cpu_max = tmp_path / "cpu.max"
    affinity = _cores(tmp_path / "absent")
    cpu_max.write_text("max 100000\n")
    assert _cores(cpu_max) == affinity
    cpu_max.write_text("50000 100000\n")  # half a CPU: still one process
    assert _cores(cpu_max) == 1
    cpu_max.write_text(f"{(affinity + 4) * 100000} 100000\n")  # a limit above the cores
    assert _cores(cpu_max) == affinity
