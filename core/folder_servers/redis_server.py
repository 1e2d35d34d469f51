"""The folder's Redis: one server per var/, its queue kept on disk in an append-only file.

Data, log, pid file and `server.json` (its port) live in var/redis/. The server daemonizes
(a session of its own, re-parented away from the command that started it), so no command's
Ctrl-C or exit takes it down. It is found again by the port in server.json and recognised as
this folder's own by its data folder. A dead server is restarted on the same data and, when
still free, the same port, so a client retrying the old URL (a worker riding out a Redis
restart) reconnects by itself.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import cast

import redis
from redis.exceptions import RedisError

from core.embedded import free_port, redis_server_binary
from core.folder_servers.registry import alive

STATE = "server.json"
PIDFILE = "redis.pid"
# Every write reaches the file before the reply (fsync once a second): a killed server loses
# nothing acknowledged; only a machine crash can cost the last second.
PERSISTENCE = ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
START_SECONDS = 60.0  # generous: a large append-only file takes a while to load
STOP_SECONDS = 30.0


def data_dir(var_dir: Path) -> Path:
    return var_dir.resolve() / "redis"


def url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def recorded_port(var_dir: Path) -> int | None:
    try:
        return int(json.loads((data_dir(var_dir) / STATE).read_text())["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _folder_of(port: int) -> Path | None:
    """The data folder of the Redis answering on `port` (None: nothing ready answers)."""
    client = redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_timeout=2,
        socket_connect_timeout=1,
        decode_responses=True,
    )
    try:
        if not client.ping():
            return None
        found = cast(dict[str, str], client.config_get("dir")).get("dir")
    except (RedisError, OSError):
        return None
    finally:
        client.close()
    return Path(found).resolve() if found else None


def running(var_dir: Path) -> int | None:
    """The port of this folder's Redis if it is up and ready, else None."""
    port = recorded_port(var_dir)
    if port is None or _folder_of(port) != data_dir(var_dir):
        return None
    return port


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pid(folder: Path) -> int | None:
    try:
        return int((folder / PIDFILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _launch(folder: Path, port: int) -> bool:
    """Start a daemonized server on `port`; True once it answers as this folder's Redis."""
    (folder / PIDFILE).unlink(missing_ok=True)  # a stale one would name a dead server
    subprocess.run(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            *PERSISTENCE,
            "--daemonize",
            "yes",
            "--pidfile",
            str(folder / PIDFILE),
            "--logfile",
            str(folder / "redis.log"),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=15,
    )
    started = time.monotonic()
    while time.monotonic() - started < START_SECONDS:
        if _folder_of(port) == folder:
            return True
        pid = _pid(folder)
        if pid is None and time.monotonic() - started > 5:
            return False  # it wrote no pid file: it never got its port
        if pid is not None and not alive(pid):
            return False
        time.sleep(0.05)
    return False


def start(var_dir: Path) -> int:
    """Start the folder's Redis on its data (same port when free); returns the port."""
    folder = data_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    recorded = recorded_port(var_dir)
    candidates = [recorded] if recorded is not None and _port_free(recorded) else []
    candidates += [free_port(), free_port()]  # a free port can be taken before Redis binds it
    for port in candidates:
        if _launch(folder, port):
            tmp = folder / f"{STATE}.tmp"
            tmp.write_text(json.dumps({"port": port}))
            tmp.replace(folder / STATE)
            return port
    raise RuntimeError(f"the embedded Redis did not start: see {folder / 'redis.log'}")


def stop(var_dir: Path) -> bool:
    """SIGTERM (Redis syncs its append-only file and exits); True if it was running."""
    folder = data_dir(var_dir)
    if running(var_dir) is None:
        return False
    pid = _pid(folder)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    return True
