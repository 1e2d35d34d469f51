"""The arq worker: which tasks it runs and how (JSON payloads, retries only on Retry)."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
from collections.abc import Sequence
from typing import Any

from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.utils import timestamp_ms
from arq.worker import Function, Worker, func
from redis.exceptions import RedisError, ResponseError, WatchError

from core.config import check_for_start, get_settings
from core.pipeline import Latency
from core.redis import redis_url
from jobs.lease import LeaseKeeper, lease_key, new_token
from jobs.serialization import deserialize, serialize
from jobs.tasks import Task
from orm.database import close_db, init_db

_metrics_started = False
log = logging.getLogger("clipforge.worker")
REDIS_DOWN_PAUSE_SECONDS = 1.0
FILL_WAIT_SECONDS = 0.5  # how long start_jobs waits for a busy slot before the poll goes on
# Connection errors, timeouts, and WatchError (redis-py's report of a connection lost during
# WATCH); arq itself handles the WatchError of a job taken by another worker.
REDIS_DOWN = (RedisError, OSError)


async def startup(ctx: dict[str, Any]) -> None:
    await init_db()
    start_metrics_server()


def start_metrics_server() -> None:
    """Job metrics for Prometheus on CLIPFORGE_WORKER_METRICS_PORT (0: off), once per process."""
    global _metrics_started
    port = get_settings().worker_metrics_port
    if port and not _metrics_started:
        from prometheus_client import start_http_server

        from core.metrics import REGISTRY

        start_http_server(port, registry=REGISTRY)
        _metrics_started = True


async def shutdown(ctx: dict[str, Any]) -> None:
    await close_db()


def function(task: Task) -> Function:
    """The arq function for a task: the policy around it, tries from the retry table."""
    from jobs.policy import arq_max_tries, arq_timeout, wrap

    coroutine: Any = wrap(task)  # arq's WorkerCoroutine protocol is narrower than it checks
    return func(coroutine, name=task.name, max_tries=arq_max_tries(task), timeout=arq_timeout(task))


def all_tasks() -> list[Task]:
    """The pipeline's tasks plus those of CLIPFORGE_WORKER_EXTRA_TASKS modules (their TASKS)."""
    from jobs.tasks import TASKS

    tasks = list(TASKS)
    for name in get_settings().worker_extra_tasks:
        tasks += importlib.import_module(name).TASKS
    return tasks


def functions() -> list[Function]:
    """Every task the worker knows, each inside the retry/dead-letter policy (jobs.policy)."""
    return [function(t) for t in all_tasks()]


def cron_jobs() -> list[CronJob]:
    """Periodic jobs; CLIPFORGE_JOB_TIMEOUTS applies to them too (by name), because arq
    waits for the largest timeout of all before it re-runs a job whose worker died."""
    from jobs.tasks import CRON_JOBS

    overrides = get_settings().job_timeouts
    return [
        dataclasses.replace(job, timeout_s=overrides[job.name]) if job.name in overrides else job
        for job in CRON_JOBS
    ]


def slots(latency: Latency) -> int:
    """Jobs one worker process runs at once from a latency class's queue."""
    settings = get_settings()
    if latency == Latency.INTERACTIVE:
        return settings.worker_interactive_jobs
    return settings.worker_max_jobs


def worker_settings(latency: Latency = Latency.LONG, *, crons: bool = True) -> dict[str, Any]:
    """arq Worker options for the queue of one latency class.

    Every class's worker knows every function (a job queued before the classes existed is
    still run); `crons` gives it the periodic jobs (one worker per process has them).
    """
    settings = get_settings()
    return {
        "functions": functions(),
        "queue_name": latency.queue_name,
        "cron_jobs": cron_jobs() if crons else None,
        "redis_settings": RedisSettings.from_dsn(redis_url()),
        "job_serializer": serialize,
        "job_deserializer": deserialize,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "poll_delay": settings.worker_poll_delay,
        "max_jobs": slots(latency),
        "handle_signals": True,
        # SIGTERM: stop taking jobs, let running ones finish this long, then cancel them;
        # arq leaves a cancelled job in its queue, so another worker runs it again.
        "job_completion_wait": settings.worker_shutdown_grace_seconds,
    }


def __getattr__(name: str) -> Any:
    """`arq jobs.worker.WorkerSettings` works too: built from settings when first asked for."""
    if name == "WorkerSettings":
        return type("WorkerSettings", (), worker_settings())
    raise AttributeError(name)


class ResilientWorker(Worker):
    """An arq worker that rides out a Redis restart and holds its running jobs by lease.

    arq's poll loop ends the process on the first Redis error; this one logs, waits and
    polls again, so running jobs carry on. A job whose completion could not be recorded
    while Redis was away stays queued and runs again (jobs are idempotent).

    A job it starts holds a lease (jobs.lease): arq's in-progress key with this worker's
    token, `lease_seconds` long, renewed from a thread. A job whose lease was taken over is
    cancelled here and its end is not recorded: the new holder records its own.
    """

    def __init__(
        self,
        *args: Any,
        lease_seconds: float | None = None,
        lease_renew_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.lease_seconds = lease_seconds or settings.lease_seconds
        self.in_progress_timeout_s = self.lease_seconds
        self.lease_token = new_token()
        self.lost: set[str] = set()
        self.slot_freed = asyncio.Event()
        self.leases = LeaseKeeper(
            redis_url(),
            self.lease_token,
            ttl_seconds=self.lease_seconds,
            every_seconds=lease_renew_seconds or settings.lease_renew_seconds,
            on_lost=self._lost_from_thread,
        )

    def _lost_from_thread(self, job_id: str) -> None:
        self.loop.call_soon_threadsafe(self.lease_lost, job_id)

    async def main(self) -> None:
        self.leases.start()
        try:
            await super().main()
        finally:
            self.leases.stop()

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's start_jobs, with the in-progress key set to this worker's lease token.

        With every slot busy, arq drops the rest of the batch it read until its next poll,
        so a worker starts at most max_jobs jobs per poll_delay (40 short jobs a second with
        2 slots). Here it waits for a slot to free, for at most FILL_WAIT_SECONDS (the poll
        loop also beats the heart and reads aborts), and goes on with the batch."""
        deadline = self.loop.time() + FILL_WAIT_SECONDS
        for raw in job_ids:
            if not await self._slot_frees(deadline):
                return None
            await self.sem.acquire()
            if self.job_counter >= self.max_jobs:
                self.sem.release()
                return None
            self.job_counter += 1
            try:
                started = await self._claim(raw.decode())
            except REDIS_DOWN:
                self.job_counter -= 1
                self.sem.release()
                raise
            if not started:
                self.job_counter -= 1
                self.sem.release()

    async def _claim(self, job_id: str) -> bool:
        """Take the job if no one holds it (WATCH: of racing workers exactly one wins)."""
        key = lease_key(job_id)
        async with self.pool.pipeline(transaction=True) as pipe:
            await pipe.watch(key)
            held = await pipe.exists(key)
            score = await pipe.zscore(self.queue_name, job_id)
            if held or not score or score > timestamp_ms():
                return False
            pipe.multi()
            pipe.psetex(key, int(self.lease_seconds * 1000), self.lease_token.encode())
            try:
                await pipe.execute()
            except (ResponseError, WatchError):
                return False
        self.leases.hold(job_id)
        task = self.loop.create_task(self.run_job(job_id, int(score)))
        task.add_done_callback(lambda _: self._job_done(job_id))
        self.tasks[job_id] = task
        return True

    async def _slot_frees(self, deadline: float) -> bool:
        """True once a slot is free (at once if one is), False at the deadline or when the
        worker stops taking jobs (shutting down)."""
        while self.allow_pick_jobs and self.job_counter >= self.max_jobs:
            self.slot_freed.clear()
            try:
                await asyncio.wait_for(self.slot_freed.wait(), deadline - self.loop.time())
            except TimeoutError:
                return False
        return self.allow_pick_jobs

    def _job_done(self, job_id: str) -> None:
        self.leases.release(job_id)
        self.lost.discard(job_id)
        self._release_sem_dec_counter_on_complete()
        self.slot_freed.set()

    def lease_lost(self, job_id: str) -> None:
        """Another worker holds the job now: stop this copy, record nothing for it."""
        task = self.job_tasks.get(job_id)
        if task is None or task.done():
            return
        log.warning("lease of %s lost to another worker; stopping this copy", job_id)
        self.lost.add(job_id)
        task.cancel()

    async def _ours(self, job_id: str) -> bool:
        """True unless another worker holds the job's lease now (or it was lost)."""
        if job_id in self.lost:
            return False
        holder = await self.pool.get(lease_key(job_id))
        return holder is None or holder == self.lease_token.encode()

    async def finish_job(self, job_id: str, *args: Any, **kwargs: Any) -> None:
        if await self._ours(job_id):
            await super().finish_job(job_id, *args, **kwargs)
        else:
            log.info("job %s taken over; its end is recorded by the new holder", job_id)

    async def finish_failed_job(self, job_id: str, result_data: bytes | None) -> None:
        if await self._ours(job_id):
            await super().finish_failed_job(job_id, result_data)

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as exc:
            log.warning("Redis unavailable, the worker waits for it: %s", exc)
            await asyncio.sleep(REDIS_DOWN_PAUSE_SECONDS)


def run_worker(queues: Sequence[Latency] | None = None) -> None:
    """`clipforge worker`: run until SIGTERM/SIGINT (see worker_settings for the grace time).

    One arq worker per latency class in `queues` (default CLIPFORGE_WORKER_QUEUES), each with
    its own slots. Refuses unsafe production settings (core.config.check_for_start)."""
    from jobs.worker_group import WorkerGroup

    settings = get_settings()
    check_for_start(settings)
    asyncio.run(WorkerGroup(queues or settings.worker_queues).run())
