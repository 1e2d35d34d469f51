"""Operator fields (admin only): queue health, dead letters, retrying and purging them."""

from __future__ import annotations

from datetime import datetime

import strawberry

import graphql_api.enums  # noqa: F401
from core.pipeline import JobQueue
from graphql_api.common.errors import UserError
from graphql_api.common.relay import Connection, Node, decode_uuid, make_connection, to_global_id
from graphql_api.context import Info
from orm.models import DeadLetter, Upload
from resolvers import admin


@strawberry.type
class QueueStat:
    queue: JobQueue
    queued: int = strawberry.field(description="Jobs waiting or deferred (retry back-off).")
    in_progress: int
    dead_letters: int


@strawberry.type(name="DeadLetter")
class DeadLetterType(Node):
    queue: JobQueue
    job_name: str
    upload_id: strawberry.ID | None
    attempts: int
    error: str
    failed_at: datetime
    job_id: str | None = None

    @classmethod
    def from_model(cls, row: DeadLetter) -> DeadLetterType:
        return cls(
            id=to_global_id("DeadLetter", row.id),
            queue=admin.queue_of_dead_letter(row),
            job_name=row.job_name,
            upload_id=to_global_id("Upload", row.upload_id) if row.upload_id else None,
            attempts=row.attempts,
            error=row.error,
            failed_at=row.failed_at,
            job_id=row.job_id,
        )


@strawberry.type(description="An upload that ended FAILED, newest first.")
class FailedUpload:
    upload_id: strawberry.ID
    filename: str
    error: str | None
    failed_at: datetime

    @classmethod
    def from_model(cls, upload: Upload) -> FailedUpload:
        return cls(
            upload_id=to_global_id("Upload", upload.id),
            filename=upload.filename,
            error=upload.error,
            failed_at=upload.updated_at,
        )


@strawberry.type
class RetryDeadLetterPayload:
    dead_letter: DeadLetterType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PurgeDeadLettersPayload:
    purged: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


def _stat(s: admin.QueueStat) -> QueueStat:
    return QueueStat(
        queue=s.queue, queued=s.queued, in_progress=s.in_progress, dead_letters=s.dead_letters
    )


@strawberry.type
class Query:
    @strawberry.field(description="Admin only. Per job queue: queued, running, dead letters.")
    async def queue_stats(self, info: Info) -> list[QueueStat]:
        return [_stat(s) for s in await admin.queue_stats(info.context.viewer)]

    @strawberry.field(description="Admin only. Jobs that exhausted their retries, newest first.")
    async def dead_letters(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        queue: JobQueue | None = None,
    ) -> Connection[DeadLetterType]:
        page = await admin.dead_letters_page(info.context.viewer, first, after, queue)
        return make_connection(page, DeadLetterType.from_model)

    @strawberry.field(description="Admin only. Uploads that failed most recently.")
    async def recent_failures(self, info: Info, first: int | None = 20) -> list[FailedUpload]:
        uploads = await admin.recent_failures(info.context.viewer, first)
        return [FailedUpload.from_model(u) for u in uploads]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Admin only. Re-enqueue the job with its arguments and drop the entry."
    )
    async def retry_dead_letter(self, info: Info, id: strawberry.ID) -> RetryDeadLetterPayload:
        row = await admin.retry_dead_letter(info.context.viewer, decode_uuid(id, "DeadLetter"))
        return RetryDeadLetterPayload(dead_letter=DeadLetterType.from_model(row))

    @strawberry.mutation(
        description="Admin only. Delete dead letters (one queue, or older than a time) unretried."
    )
    async def purge_dead_letters(
        self, info: Info, queue: JobQueue | None = None, failed_before: datetime | None = None
    ) -> PurgeDeadLettersPayload:
        purged = await admin.purge_dead_letters(info.context.viewer, queue, failed_before)
        return PurgeDeadLettersPayload(purged=purged)
