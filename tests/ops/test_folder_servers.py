"""The embedded servers of one var/ folder: shared by its commands, persisted, restarted on
their data, stopped by the last command out (core.folder_servers), on a real Redis."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from core.folder_servers import leave_servers, redis_server, stop_servers, use_servers
from core.folder_servers.registry import alive, users

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def var_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="clipforge-folder-")) / "var"
    yield folder
    stop_servers(folder)
    shutil.rmtree(folder.parent, ignore_errors=True)


class User:
    """A `tests.ops.folder_user` process in a terminal (session) of its own."""

    def __init__(self, var_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ops.folder_user", str(var_dir)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.joined = self._line()

    def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"no output (exit {self.proc.wait(10)})"
        result: dict[str, Any] = json.loads(line)
        return result

    def leave(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write("leave\n")
        self.proc.stdin.flush()
        left = self._line()
        assert self.proc.wait(30) == 0
        return left

    def interrupt(self) -> dict[str, Any]:
        """Ctrl-C in its terminal: SIGINT to its whole process group."""
        os.killpg(self.proc.pid, signal.SIGINT)
        left = self._line()
        self.proc.wait(30)
        return left


def answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def test_commands_share_one_server_and_the_last_one_out_stops_it(var_dir: Path) -> None:
    first = User(var_dir)
    second = User(var_dir)
    assert first.joined["started"] == ["redis"] and second.joined["started"] == []
    url = first.joined["redis_url"]
    assert second.joined["redis_url"] == url and answers(url)

    # Ctrl-C in the first terminal: the server is in no terminal's process group, and the
    # second command still uses it.
    assert first.interrupt() == {"stopped": [], "others": 1}
    assert answers(url)
    assert list(users(var_dir / "run")) == [second.proc.pid]

    assert second.leave() == {"stopped": ["redis"], "others": 0}
    assert not answers(url)


def test_a_dead_server_restarts_on_its_data_and_its_port(var_dir: Path) -> None:
    servers = use_servers(var_dir, postgres=False, redis=True)
    assert servers.redis_url and servers.started == ["redis"]
    client = redis.Redis.from_url(servers.redis_url)
    client.zadd("arq:queue", {"transcribe:upload-1": 1.0})
    client.close()
    pid = int((redis_server.data_dir(var_dir) / redis_server.PIDFILE).read_text())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(pid):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not answers(servers.redis_url)

    again = use_servers(var_dir, postgres=False, redis=True)
    assert again.started == ["redis"] and again.redis_url == servers.redis_url
    client = redis.Redis.from_url(again.redis_url)
    assert client.zrange("arq:queue", 0, -1) == [b"transcribe:upload-1"]  # from the AOF
    client.close()
    assert leave_servers(var_dir) == (["redis"], 0)


def test_a_killed_command_does_not_keep_the_server_running(var_dir: Path) -> None:
    killed = User(var_dir)
    os.killpg(killed.proc.pid, signal.SIGKILL)
    killed.proc.wait(10)  # gone without leaving: its pid stays in the file
    mine = use_servers(var_dir, postgres=False, redis=True)
    assert mine.started == [] and mine.redis_url == killed.joined["redis_url"]
    assert leave_servers(var_dir) == (["redis"], 0)
    assert not answers(killed.joined["redis_url"])
