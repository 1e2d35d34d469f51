"""Operator fields (admin only): queue health, dead letters, retrying them."""

from __future__ import annotations

from datetime import datetime

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.common.errors import UserError, not_implemented
from graphql_api.common.guard import query
from graphql_api.common.relay import Connection, Node, PageInfo
from graphql_api.context import Info
from orm.models.enums import JobQueue
from resolvers.viewer import require_admin


@strawberry.type
class QueueStat:
    queue: JobQueue
    queued: int
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


@strawberry.type
class RetryDeadLetterPayload:
    dead_letter: DeadLetterType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _admin_empty_stats(info: Info) -> list[QueueStat]:
    require_admin(info.context.viewer)
    return []


async def _admin_empty_dead(info: Info) -> Connection[DeadLetterType]:
    require_admin(info.context.viewer)
    return Connection(
        edges=[],
        page_info=PageInfo(
            has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
        ),
    )


@strawberry.type
class Query:
    @strawberry.field(description="Admin only.")
    async def queue_stats(self, info: Info) -> list[QueueStat]:
        return await query(_admin_empty_stats(info))

    @strawberry.field(description="Admin only.")
    async def dead_letters(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[DeadLetterType]:
        return await query(_admin_empty_dead(info))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Admin only.")
    async def retry_dead_letter(self, info: Info, id: strawberry.ID) -> RetryDeadLetterPayload:
        return RetryDeadLetterPayload(errors=not_implemented("retryDeadLetter"))
