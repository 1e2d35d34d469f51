"""Job leases: a running job's claim on its arq in-progress key, short and renewed.

arq marks a job as running with its in-progress key and keeps that key for the longest job
timeout (20 minutes here), so a job whose worker died waited that long to run again. A lease
is the same key, holding the worker's own token, living `lease_seconds` (30 s) and renewed
every `lease_renew_seconds` (10 s) while the job runs. A worker that dies stops renewing, the
key lapses and the next worker polling the queue takes the job over (arq's own WATCH on the
key lets exactly one of several racing workers win).

Renewal runs on a thread with its own Redis connection, so a job that holds the event loop
(CPU-bound Python, a blocking call) cannot starve it: a slow worker keeps its job. Renewal
only extends a key that still holds this worker's token; when the key is gone or another
worker's, the lease is lost and the worker stops its copy (`on_lost`) without touching the
job's keys, which belong to the new holder now.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from arq.constants import in_progress_key_prefix
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger("clipforge.worker")

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


def new_token() -> str:
    """A worker's lease token: unique per worker object, readable in Redis."""
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_key(job_id: str) -> str:
    return in_progress_key_prefix + job_id


class LeaseKeeper:
    """Renews the leases of one worker's running jobs from a thread.

    `on_lost(job_id)` is called (from the thread) when a lease could not be renewed because
    the key no longer holds `token`; the caller hands it to its event loop.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        ttl_seconds: float,
        every_seconds: float,
        on_lost: Callable[[str], None],
    ) -> None:
        self.url = url
        self.token = token
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.every = every_seconds
        self.on_lost = on_lost
        self._held: dict[str, float] = {}  # job id -> when last renewed (monotonic)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- held jobs
    def hold(self, job_id: str) -> None:
        with self._lock:
            self._held[job_id] = time.monotonic()

    def release(self, job_id: str) -> None:
        with self._lock:
            self._held.pop(job_id, None)

    def held(self) -> list[str]:
        with self._lock:
            return list(self._held)

    # ---------------------------------------------------------------- the thread
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 5)
            self._thread = None

    def _run(self) -> None:
        timeout = max(1.0, min(5.0, self.every))
        client = Redis.from_url(self.url, socket_timeout=timeout, socket_connect_timeout=timeout)
        renew = client.register_script(RENEW)
        try:
            while not self._stop.wait(self.every):
                self.renew_all(renew)
        finally:
            client.close()

    def renew_all(self, renew: Callable[..., object]) -> None:
        """One round: extend every held lease; report those another worker holds now."""
        for job_id in self.held():
            try:
                kept = renew(keys=[lease_key(job_id)], args=[self.token, self.ttl_ms])
            except RedisError as exc:
                log.warning("lease of %s not renewed (Redis): %s", job_id, exc)
                continue
            with self._lock:
                still_held = job_id in self._held
                if kept and still_held:
                    self._held[job_id] = time.monotonic()
            if not kept and still_held:
                self.on_lost(job_id)
