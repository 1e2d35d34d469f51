"""The embedded default's servers: daemons of one var/ folder, shared by every command in it.

Each `clipforge` command that needs PostgreSQL or Redis and has no URL for it calls
`use_servers`: under the folder's lock it reuses the folder's server if it answers, else starts
it on the folder's data (var/pgdata, var/redis with an append-only file), and records itself
as a user. `leave_servers` (at exit) removes the caller and stops each server no live command
uses any more: the last command out turns the lights off. Commands killed without leaving are
dropped the next time anyone looks, so a crash never keeps the servers alive for ever (they
stop when the next command in the folder exits).

The servers run in sessions of their own, so a Ctrl-C in one terminal (SIGINT to its whole
process group) never reaches them while another command still uses them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.folder_servers import postgres_server, redis_server
from core.folder_servers.registry import folder_lock, join, leave, users

POSTGRES = "postgres"
REDIS = "redis"


@dataclass
class FolderServers:
    """What one command uses: the URLs, and which servers it had to start."""

    var_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    started: list[str] = field(default_factory=list)


def run_dir(var_dir: Path) -> Path:
    return var_dir.resolve() / "run"


def use_servers(var_dir: Path, *, postgres: bool, redis: bool) -> FolderServers:
    """Reuse or start the folder's servers (those asked for) and register this process."""
    var_dir = var_dir.resolve()
    servers = FolderServers(var_dir=var_dir)
    uses: list[str] = []
    with folder_lock(run_dir(var_dir)):
        if redis:
            port = redis_server.running(var_dir)
            if port is None:
                port = redis_server.start(var_dir)
                servers.started.append(REDIS)
            servers.redis_url = redis_server.url(port)
            uses.append(REDIS)
        if postgres:
            was_running = postgres_server.running(var_dir)
            try:
                servers.database_url = postgres_server.start(var_dir)
            except BaseException:
                if REDIS in servers.started and not users(run_dir(var_dir)):
                    redis_server.stop(var_dir)  # started for nothing: leave no daemon behind
                raise
            if not was_running:
                servers.started.append(POSTGRES)
            uses.append(POSTGRES)
        if uses:
            join(run_dir(var_dir), os.getpid(), uses)
    return servers


def leave_servers(var_dir: Path) -> tuple[list[str], int]:
    """Unregister this process; stop the servers it used that no live command uses.

    Returns the servers stopped and how many other commands still use the folder's servers.
    """
    var_dir = var_dir.resolve()
    stopped: list[str] = []
    with folder_lock(run_dir(var_dir)):
        mine, others = leave(run_dir(var_dir), os.getpid())
        still_used = {name for names in others.values() for name in names}
        if REDIS in mine and REDIS not in still_used and redis_server.stop(var_dir):
            stopped.append(REDIS)
        if POSTGRES in mine and POSTGRES not in still_used and postgres_server.stop(var_dir):
            stopped.append(POSTGRES)
    return stopped, len(others)


def stop_servers(var_dir: Path) -> list[str]:
    """Stop the folder's servers whoever uses them (operators and tests cleaning up)."""
    var_dir = var_dir.resolve()
    stopped = []
    with folder_lock(run_dir(var_dir)):
        if redis_server.stop(var_dir):
            stopped.append(REDIS)
        if postgres_server.stop(var_dir):
            stopped.append(POSTGRES)
    return stopped


__all__ = ["FolderServers", "leave_servers", "stop_servers", "use_servers", "users"]
