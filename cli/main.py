"""The `clipforge` command: serve, worker, migrate, export-schema, dev."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from cli.auth_commands import keys_app, users_app
from cli.deadletters import app as deadletters_app
from cli.process import process as process_video
from core.config import get_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

app = typer.Typer(
    help="Clipforge: long videos in, short captioned clips out.", no_args_is_help=True
)


def _embedded() -> None:
    """Start the embedded servers for whatever URL is not configured."""
    from core.config import configure
    from core.embedded import ensure_servers

    settings = get_settings()
    servers = ensure_servers(settings.var_dir, settings.database_url, settings.redis_url)
    configure(database_url=servers.database_url, redis_url=servers.redis_url)
    if servers.redis_process is not None:
        import atexit

        atexit.register(servers.stop)


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
    workers: int = typer.Option(0, help="uvicorn processes (default: the number of cores)."),
) -> None:
    """Run the api (GraphQL, WebSocket, webhooks, health) with uvicorn."""
    import uvicorn

    _embedded()
    settings = get_settings()

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
    """One api process's app."""
    from core.logs import setup_logging
    from graphql_api.app import create_app

    setup_logging(get_settings())
    app_ = create_app(get_settings())
    _tune_gc()
    return app_


def serve_worker_app() -> Starlette:
    """The app of one of several workers (uvicorn calls this in each worker process)."""
    _exit_with_parent()
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


def _tune_gc() -> None:
    """Fewer, cheaper collections for a long-lived server: with 1,000 sockets open, full
    collections paused the loop for 0.4-0.6 s (event p99 953 ms); with the start-up objects
    frozen and higher thresholds the same benchmark step gave a p99 of 42 ms."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1_000)


@app.command()
def worker() -> None:
    """Run the arq worker (transcribe, clip, captions, export)."""
    from core.logs import setup_logging
    from jobs.worker import run_worker

    _embedded()
    setup_logging(get_settings())
    run_worker()


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


def _pump(prefix: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix} {line.decode(errors='replace')}")
        sys.stdout.flush()


@app.command()
def dev() -> None:
    """Migrate, then run api and worker together (logs interleaved); Ctrl-C stops both."""
    from orm.database import migrate as run_migrations

    _embedded()
    asyncio.run(run_migrations())
    settings = get_settings()
    env = {
        **os.environ,
        "CLIPFORGE_DATABASE_URL": settings.database_url or "",
        "CLIPFORGE_REDIS_URL": settings.redis_url or "",
    }
    procs = {
        "api   |": subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ),
        "worker|": subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ),
    }
    for prefix, proc in procs.items():
        assert proc.stdout is not None
        threading.Thread(target=_pump, args=(prefix, proc.stdout), daemon=True).start()
    typer.echo(f"GraphiQL: http://{settings.host}:{settings.port}/graphql  (Ctrl-C stops)")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set() and all(p.poll() is None for p in procs.values()):
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs.values():
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    typer.echo("stopped")


app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(deadletters_app, name="deadletters")
app.command("process")(process_video)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
