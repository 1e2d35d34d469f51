"""Reconciliation: PostgreSQL says what should have a job, Redis says what has one.

Redis can lose a job (a restart without its data, a flush, a job dropped by hand) while the
row it served stays in a working state, charged and waiting forever. Every worker process
runs `reconcile_once` at start and every CLIPFORGE_RECONCILE_EVERY_SECONDS: each registered
`Expectation` lists its rows in a working state; those whose subject has no job queued,
running or leased (jobs.schedule.live_subjects) get their job started again through
jobs.schedule. Stages are idempotent, so a second start replaces, never duplicates.

A row is restarted only if it is still in the same state after Redis was read (its
`version`): a pipeline that moved on between the two reads is left alone.

Other kinds of work register here too (`register`): an expectation is a name and a query
returning, per subject id, the row's version and how to start its job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from core.pipeline import (
    WORKING_EXPORT_STATUSES,
    WORKING_UPLOAD_STATUSES,
    Job,
    UploadStatus,
    job_for_upload_status,
)
from jobs import outbox, schedule
from orm.models import Export, Upload

log = logging.getLogger("clipforge.reconcile")


@dataclass(frozen=True)
class Expected:
    """One row that should have a live job: its state now, and how to start its job."""

    version: str
    start: Callable[[Any], Awaitable[bool]]  # takes the arq pool


Rows = Callable[[Collection[str] | None], Awaitable[dict[str, Expected]]]


@dataclass(frozen=True)
class Expectation:
    """What should have a job: `rows(ids)` -> subject id -> Expected, for every row in a
    working state (only those of `ids` when given)."""

    name: str
    rows: Rows


EXPECTATIONS: dict[str, Expectation] = {}


def register(expectation: Expectation) -> None:
    """Add (or replace, by name) a kind of work the reconciler keeps alive."""
    EXPECTATIONS[expectation.name] = expectation


# ---------------------------------------------------------------- built-in expectations


async def working_uploads(ids: Collection[str] | None) -> dict[str, Expected]:
    query = Upload.filter(status__in=list(WORKING_UPLOAD_STATUSES))
    if ids is not None:
        query = query.filter(id__in=list(ids))
    out: dict[str, Expected] = {}
    for pk, status, updated in await query.values_list("id", "status", "updated_at"):
        job = job_for_upload_status(UploadStatus(status))
        if job is None:
            continue

        async def start(pool: Any, job: Any = job, pk: Any = pk) -> bool:
            return await schedule.start(job, pk, pool=pool)

        out[str(pk)] = Expected(f"{status}@{updated.isoformat()}", start)
    return out


async def working_exports(ids: Collection[str] | None) -> dict[str, Expected]:
    query = Export.filter(status__in=list(WORKING_EXPORT_STATUSES))
    if ids is not None:
        query = query.filter(id__in=list(ids))
    out: dict[str, Expected] = {}
    for pk, status, updated in await query.values_list("id", "status", "updated_at"):

        async def start(pool: Any, pk: Any = pk) -> bool:
            # Everything the export renders is on its row (orm.models.Export).
            return await schedule.start(Job.EXPORT, pk, pool=pool)

        out[str(pk)] = Expected(f"{status}@{updated.isoformat()}", start)
    return out


async def webhook_deliveries(ids: Collection[str] | None) -> dict[str, Expected]:
    """Due webhook deliveries (jobs.outbox): the attempt they wait for, started again."""
    return {
        str(d.delivery_id): Expected(d.version, d.start) for d in await outbox.due_deliveries(ids)
    }


register(Expectation("uploads", working_uploads))
register(Expectation("exports", working_exports))
register(Expectation("webhook deliveries", webhook_deliveries))


# ---------------------------------------------------------------- the pass


@dataclass
class Restarted:
    kind: str
    subject_id: str


async def reconcile_once(pool: Any) -> list[Restarted]:
    """One pass over every expectation; returns what was started again."""
    restarted: list[Restarted] = []
    for expectation in list(EXPECTATIONS.values()):
        before = await expectation.rows(None)
        if not before:
            continue
        live = await schedule.live_subjects(pool)
        missing = [sid for sid in before if sid not in live]
        if not missing:
            continue
        after = await expectation.rows(missing)
        for sid in missing:
            now = after.get(sid)
            if now is None or now.version != before[sid].version:
                continue  # it moved on while Redis was read
            if await now.start(pool):
                log.warning(
                    "restarted lost work",
                    extra={"fields": {"kind": expectation.name, "subject": sid}},
                )
                restarted.append(Restarted(expectation.name, sid))
    return restarted


async def reconcile_forever(pool: Any, every: float) -> None:
    """`reconcile_once` now and every `every` seconds; a failed pass is logged and retried
    at the next one (PostgreSQL or Redis may be restarting)."""
    while True:
        try:
            await reconcile_once(pool)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next pass tries again
            log.warning("reconciliation pass failed", exc_info=True)
        await asyncio.sleep(every)
