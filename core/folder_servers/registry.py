"""Which commands use a folder's embedded servers: a small JSON file changed under a lock.

`run/users.json` maps each user's pid to the servers it uses. Every change happens under
`run/servers.lock` (an flock), which also serialises starting and stopping the servers, so a
command never reuses a server that another one is about to stop. A pid whose process is gone
(killed without leaving) no longer counts.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USERS = "users.json"
LOCK = "servers.lock"


@contextmanager
def folder_lock(run_dir: Path) -> Iterator[None]:
    """Exclusive across processes; released by the kernel if the holder dies."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust the signal check
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def users(run_dir: Path) -> dict[int, list[str]]:
    """Live users and the servers each one uses (call under the lock to act on it)."""
    try:
        raw = json.loads((run_dir / USERS).read_text())
    except (OSError, ValueError):
        return {}
    return {int(pid): list(names) for pid, names in raw.items() if alive(int(pid))}


def _write(run_dir: Path, table: dict[int, list[str]]) -> None:
    tmp = run_dir / f"{USERS}.tmp"
    tmp.write_text(json.dumps({str(pid): names for pid, names in sorted(table.items())}))
    tmp.replace(run_dir / USERS)


def join(run_dir: Path, pid: int, names: list[str]) -> None:
    table = users(run_dir)
    table[pid] = sorted(set(table.get(pid, [])) | set(names))
    _write(run_dir, table)


def leave(run_dir: Path, pid: int) -> tuple[list[str], dict[int, list[str]]]:
    """Remove `pid`; returns the servers it used and the remaining live users."""
    table = users(run_dir)
    mine = table.pop(pid, [])
    _write(run_dir, table)
    return mine, table
