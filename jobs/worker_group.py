"""One worker process serving several latency classes, each with slots of its own.

`clipforge worker` runs one arq worker per latency class it serves (core.pipeline.Latency),
in one event loop: long work fills only the long slots, so an export always finds an
interactive slot. Beside them run the reconciler (jobs.reconcile) and, inside each worker,
the lease renewal (jobs.lease). SIGTERM or SIGINT stops every worker the same way: no new
jobs, running ones get CLIPFORGE_WORKER_SHUTDOWN_GRACE_SECONDS, then are cancelled and left
queued for another worker.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from typing import Any

from core.config import get_settings
from core.pipeline import Latency
from jobs.reconcile import reconcile_forever
from jobs.worker import ResilientWorker, shutdown, slots, startup, worker_settings

log = logging.getLogger("clipforge.worker")


def ordered(queues: Sequence[Latency | str]) -> list[Latency]:
    """The classes asked for, once each, in the table's order."""
    wanted = {Latency(q) for q in queues}
    return [latency for latency in Latency if latency in wanted]


async def close(worker: ResilientWorker) -> None:
    """arq's Worker.close without its second cancel (which would interrupt the recording of
    a job cancelled at the end of the grace time): wait for the jobs, then disconnect."""
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    if worker._pool is not None:
        await worker.pool.delete(worker.health_check_key)
        await worker.pool.close(close_connection_pool=True)
        worker._pool = None


class WorkerGroup:
    def __init__(self, queues: Sequence[Latency | str]) -> None:
        self.queues = ordered(queues)
        if not self.queues:
            raise ValueError("a worker needs at least one queue")
        self.workers: list[ResilientWorker] = []

    def build(self, **overrides: Any) -> list[ResilientWorker]:
        """The arq workers (in the running loop); the periodic jobs go to the first one."""
        for i, latency in enumerate(self.queues):
            options = worker_settings(latency, crons=i == 0)
            options.update(on_startup=None, on_shutdown=None, handle_signals=False, **overrides)
            self.workers.append(ResilientWorker(**options))
        return self.workers

    def stop(self, sig: signal.Signals) -> None:
        for worker in self.workers:
            if worker._job_completion_wait:
                worker.handle_sig_wait_for_completion(sig)
            else:
                worker.handle_sig(sig)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        ctx: dict[str, Any] = {}
        await startup(ctx)
        try:
            self.build()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.stop, sig)
            log.info(
                "worker serving %s",
                ", ".join(f"{q.value} ({slots(q)} slots)" for q in self.queues),
            )
            await self.serve()
        finally:
            await shutdown(ctx)

    async def serve(self) -> None:
        """Run the workers and the reconciler until every worker has stopped."""
        mains = []
        for worker in self.workers:
            worker.main_task = asyncio.create_task(worker.main())
            mains.append(worker.main_task)
        await self._wait_for_pools()
        every = get_settings().reconcile_every_seconds
        reconciler = asyncio.create_task(reconcile_forever(self.workers[0].pool, every))
        try:
            await asyncio.gather(*mains, return_exceptions=True)
        finally:
            reconciler.cancel()
            await asyncio.gather(reconciler, return_exceptions=True)
            for worker in self.workers:
                await close(worker)

    async def _wait_for_pools(self) -> None:
        """arq opens each worker's Redis pool inside main(); the reconciler borrows one."""
        while self.workers[0]._pool is None:
            if self.workers[0].main_task and self.workers[0].main_task.done():
                return
            await asyncio.sleep(0.01)
