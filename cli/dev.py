"""`clipforge dev`: the api and the worker in one terminal, stopped in order on Ctrl-C.

The children run in sessions of their own, so the terminal's Ctrl-C (SIGINT to the whole
foreground process group) reaches only this supervisor, which then stops them itself:
SIGTERM to both (the api drains its requests and sockets; the worker stops taking jobs, gives
running ones CLIPFORGE_WORKER_SHUTDOWN_GRACE_SECONDS, then cancels them, and arq leaves them
queued), and once both have exited the folder's embedded servers are left (stopped when no
other command uses them). A second Ctrl-C kills the children at once. If the supervisor dies
first, Linux sends its children SIGTERM (parent-death signal), so none is orphaned.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
import time
from typing import IO

import typer

from core.config import Settings

PR_SET_PDEATHSIG = 1
EXIT_MARGIN_SECONDS = 30  # beyond the worker's grace: closing connections, leaving the servers


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent exits (Linux only, else nothing)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # safe: no other thread runs yet in this process
    )


def _pump(prefix: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix} {line.decode(errors='replace')}")
        sys.stdout.flush()


class Interrupts:
    """Counts SIGINT/SIGTERM deliveries and wakes the supervisor on each."""

    def __init__(self) -> None:
        self.count = 0
        self.wake = threading.Event()
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.count += 1
        self.wake.set()

    def wait(self, seconds: float) -> None:
        self.wake.wait(seconds)
        self.wake.clear()


def run(settings: Settings) -> int:
    """Run api and worker until Ctrl-C/SIGTERM or until one of them exits; returns the code."""
    interrupts = Interrupts()
    procs = {"api   |": spawn("serve"), "worker|": spawn("worker")}
    pumps = []
    for prefix, proc in procs.items():
        assert proc.stdout is not None
        pump = threading.Thread(target=_pump, args=(prefix, proc.stdout), daemon=True)
        pump.start()
        pumps.append(pump)
    typer.echo(f"GraphiQL: http://{settings.host}:{settings.port}/graphql  (Ctrl-C stops)")
    while interrupts.count == 0 and all(p.poll() is None for p in procs.values()):
        interrupts.wait(0.5)

    died = {name.strip(" |"): p.returncode for name, p in procs.items() if p.poll() is not None}
    if died and interrupts.count == 0:
        codes = ", ".join(f"{name} exited with code {code}" for name, code in died.items())
        typer.echo(f"{codes}: stopping", err=True)
    grace = settings.worker_shutdown_grace_seconds
    typer.echo(
        f"stopping the api and the worker (running jobs get up to {grace} s, then stay "
        "queued; Ctrl-C again stops at once)"
    )
    seen = interrupts.count
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace + EXIT_MARGIN_SECONDS
    while any(p.poll() is None for p in procs.values()):
        if interrupts.count > seen or time.monotonic() > deadline:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
            break
        interrupts.wait(0.2)
    for proc in procs.values():
        proc.wait()
    for pump in pumps:
        pump.join(timeout=2)
    clean = all(p.returncode == 0 for p in procs.values())
    return 0 if clean and not (died and seen == 0) else 1
