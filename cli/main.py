"""The `clipforge` command: serve, worker, migrate, export-schema, dev."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.auth_commands import keys_app, users_app
from cli.deadletters import app as deadletters_app
from cli.process import process as process_video
from core.config import SettingsError, check_for_start, get_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

log = logging.getLogger("clipforge.cli")
app = typer.Typer(
    help="Clipforge: long videos in, short captioned clips out.", no_args_is_help=True
)


def _embedded() -> str | None:
    """Start or reuse the folder's embedded servers for whatever URL is not configured."""
    from cli.servers import describe, use_embedded

    return describe(use_embedded())


def _check_migrations(seed: Callable[[list[str]], None] | None = None) -> None:
    """Log one clear line when the database lacks migrations (the process still starts)."""
    from orm.database import close_db, init_db
    from orm.migration_state import pending_migrations

    async def look() -> list[str]:
        await init_db()
        try:
            return await pending_migrations()
        finally:
            await close_db()

    try:
        pending = asyncio.run(look())
    except Exception as exc:  # noqa: BLE001 - the process reports its own database errors
        log.warning("could not check the database's migrations: %s", exc)
        return
    if pending:
        log.warning(
            "the database lacks %d migration(s) (%s): run `clipforge migrate`",
            len(pending),
            ", ".join(pending),
        )
    if seed is not None:
        seed(pending)


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    from orm.database import migrate as run_migrations

    _embedded()
    asyncio.run(run_migrations())
    typer.echo("migrations applied")


@app.command()
def serve(
    host: str = typer.Option(None, help="Bind address (default: CLIPFORGE_HOST)."),
    port: int = typer.Option(None, help="Port (default: CLIPFORGE_PORT)."),
    workers: int = typer.Option(0, help="uvicorn processes (default: the CPUs it may use)."),
) -> None:
    """Run the api (GraphQL, WebSocket, webhooks, health) with uvicorn."""
    import uvicorn

    from core.logs import setup_logging
    from graphql_api.health import MIGRATIONS

    _stop_cleanly_on_signals()
    servers = _embedded()
    settings = get_settings()
    setup_logging(settings)
    if servers:
        log.info(servers)
    _check_migrations(MIGRATIONS.seed)

    def run(target: Any, **extra: Any) -> None:
        uvicorn.run(
            target,
            host=host or settings.host,
            port=port or settings.port,
            log_config=None,
            access_log=False,  # clipforge.access logs each request with its operation and id
            ws_ping_interval=20,
            ws_ping_timeout=20,
            timeout_graceful_shutdown=10,
            **extra,
        )

    count = workers if workers > 0 else _cores()
    if count == 1:
        run(serve_app())
        return
    # Several processes on one socket, sharing nothing but the servers: each builds its own
    # app (pools, caches) from the environment, which names the embedded servers if used.
    # Settings that would stop every worker stop the command here, once, with their message.
    check_for_start(settings)
    os.environ["CLIPFORGE_DATABASE_URL"] = settings.database_url or ""
    os.environ["CLIPFORGE_REDIS_URL"] = settings.redis_url or ""
    run("cli.main:serve_worker_app", factory=True, workers=count)


CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def _cores(cpu_max: Path = CPU_MAX) -> int:
    """CPUs this process may use: its affinity, capped by a cgroup v2 CPU quota (a container's
    CPU limit), so a pod limited to 2 CPUs on a 32-core node starts 2 workers, not 32."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return cores


def serve_app() -> Starlette:
    """One api process's app (settings and logging are set up in this process already)."""
    from graphql_api.app import create_app

    app_ = create_app(get_settings())
    _tune_gc()
    return app_


def serve_worker_app() -> Starlette:
    """The app of one of several workers (uvicorn calls this in each worker process; the
    environment names the servers, including the embedded ones the command holds)."""
    from core.logs import setup_logging

    _exit_with_parent()
    setup_logging(get_settings())
    return serve_app()


def _exit_with_parent() -> None:
    """A worker ends when its supervisor dies, even by SIGKILL (Linux), instead of living
    on with the socket."""
    import ctypes
    import ctypes.util

    if sys.platform != "linux" or os.getppid() == 1:
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop_cleanly_on_signals() -> None:
    """SIGINT/SIGTERM before the server (uvicorn, arq) takes them over, and the signal uvicorn
    raises again once it has shut down gracefully: exit 0, running the exit hooks (which leave
    the embedded servers), instead of dying of the signal."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)


def _tune_gc() -> None:
    """Fewer, cheaper collections for a long-lived server: with 1,000 sockets open, full
    collections paused the loop for 0.4-0.6 s (event p99 953 ms); with the start-up objects
    frozen and higher thresholds the same benchmark step gave a p99 of 42 ms."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1_000)


@app.command()
def worker(
    queues: str = typer.Option(
        "",
        help="Latency classes to serve, e.g. `long,interactive` (default CLIPFORGE_WORKER_QUEUES).",
    ),
) -> None:
    """Run the arq worker (transcribe, clip, captions, export), one queue per latency class."""
    from core.logs import setup_logging
    from core.pipeline import Latency
    from jobs.worker import run_worker

    try:
        chosen = [Latency(q.strip().lower()) for q in queues.split(",") if q.strip()]
    except ValueError:
        names = ", ".join(q.value for q in Latency)
        raise typer.BadParameter(f"queues are among: {names}", param_hint="--queues") from None
    _stop_cleanly_on_signals()
    servers = _embedded()
    setup_logging(get_settings())
    if servers:
        log.info(servers)
    _check_migrations()
    run_worker(chosen or None)


@app.command("export-schema")
def export_schema(
    path: Path = typer.Argument(Path("schema.graphql")),
    check: bool = typer.Option(False, help="Fail if the file differs instead of writing it."),
) -> None:
    """Write the GraphQL SDL generated from the code."""
    from graphql_api.schema import schema_sdl

    sdl = schema_sdl()
    if check:
        if not path.exists() or path.read_text() != sdl:
            typer.echo(f"{path} is out of date: run `clipforge export-schema`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{path} is up to date")
        return
    path.write_text(sdl)
    typer.echo(f"wrote {path}")


@app.command("trusted-documents")
def trusted_documents(
    operations: Path = typer.Argument(..., help="The clients' operations (.graphql)."),
    out: Path = typer.Option(Path("trusted-documents.json"), help="Manifest to write."),
    apollo: bool = typer.Option(True, help="Also list each operation as Apollo Client sends it."),
) -> None:
    """Write a persisted-query manifest for CLIPFORGE_TRUSTED_DOCUMENTS."""
    import json

    from graphql_api.trusted_documents import build_manifest

    manifest = build_manifest(operations.read_text(), apollo=apollo)
    out.write_text(json.dumps(manifest, indent=2) + "\n")
    typer.echo(f"wrote {out}: {len(manifest['operations'])} documents")


@app.command()
def dev() -> None:
    """Migrate, then run api and worker together (logs interleaved); Ctrl-C stops both."""
    from cli import dev as supervisor
    from cli.servers import leave_embedded
    from orm.database import migrate as run_migrations

    servers = _embedded()
    if servers:
        typer.echo(servers)
    asyncio.run(run_migrations())
    code = supervisor.run(get_settings())
    stopped, others = leave_embedded()
    if stopped:
        names = {"redis": "Redis", "postgres": "PostgreSQL"}
        typer.echo(f"stopped the embedded {' and '.join(names[s] for s in stopped)}")
    elif others:
        typer.echo(f"the embedded servers keep running: {others} other command(s) use them")
    typer.echo("stopped")
    raise typer.Exit(code)


app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(deadletters_app, name="deadletters")
app.command("process")(process_video)


def main() -> None:
    """Settings that cannot be used end the command with their message, not a traceback."""
    try:
        app()
    except SettingsError as exc:
        typer.echo(f"clipforge: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
