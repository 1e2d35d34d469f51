"""The embedded servers of the commands: whatever URL is not configured comes from var/.

Every command that touches the database or Redis calls `use_embedded` first; it joins the
folder's servers (core.folder_servers: started on demand, shared, persisted) and leaves them
at exit, which stops them when it was the last command of the folder using them.
"""

from __future__ import annotations

import atexit

from core.config import configure, get_settings
from core.folder_servers import FolderServers, leave_servers, use_servers

_held: FolderServers | None = None


def use_embedded() -> FolderServers | None:
    """Start or reuse the folder's servers for the URLs not configured; None if all are."""
    global _held
    settings = get_settings()
    need_postgres, need_redis = not settings.database_url, not settings.redis_url
    if not (need_postgres or need_redis):
        return None
    if _held is None:
        _held = use_servers(settings.var_dir, postgres=need_postgres, redis=need_redis)
        atexit.register(leave_embedded)
    configure(
        database_url=settings.database_url or _held.database_url,
        redis_url=settings.redis_url or _held.redis_url,
    )
    return _held


def leave_embedded() -> tuple[list[str], int]:
    """Leave the folder's servers (once); returns what was stopped and how many still use them."""
    global _held
    held, _held = _held, None
    if held is None:
        return [], 0
    return leave_servers(held.var_dir)


def describe(servers: FolderServers | None) -> str | None:
    """One line for the logs: which embedded servers this command uses, started or reused."""
    if servers is None:
        return None
    parts = []
    if servers.redis_url:
        how = "started" if "redis" in servers.started else "reused"
        parts.append(f"Redis {servers.redis_url} ({how})")
    if servers.database_url:
        how = "started" if "postgres" in servers.started else "reused"
        parts.append(f"PostgreSQL on {servers.var_dir / 'pgdata'} ({how})")
    return f"embedded servers of {servers.var_dir}: " + ", ".join(parts)
