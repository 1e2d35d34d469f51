"""Upload fields: list and detail; create, complete, retry, delete."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.common.errors import UserError, not_implemented
from graphql_api.common.guard import query, query_or_null
from graphql_api.common.relay import Connection, decode_uuid, make_connection
from graphql_api.context import Info
from graphql_api.uploads.types import UploadTarget, UploadType
from orm.models.enums import UploadStatus
from resolvers import uploads as cases
from resolvers.viewer import require


@strawberry.input
class CreateUploadInput:
    filename: str
    content_type: str
    size_bytes: float = strawberry.field(description="Declared size in bytes (up to 10 GB).")


@strawberry.type
class CreateUploadPayload:
    upload: UploadType | None = None
    target: UploadTarget | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UploadPayload:
    upload: UploadType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteUploadPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _uploads(
    info: Info, first: int | None, after: str | None, status: UploadStatus | None
) -> Connection[UploadType]:
    viewer = require(info.context.viewer, "READ_CLIPS")
    page = await cases.uploads_page(viewer.user_id, first, after, status)
    return make_connection(page, UploadType.from_model)


async def _upload(info: Info, id: strawberry.ID) -> UploadType:
    viewer = require(info.context.viewer, "READ_CLIPS")
    upload = await cases.owned_upload(viewer.user_id, decode_uuid(id, "Upload"))
    return UploadType.from_model(upload)


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user's uploads, newest first.")
    async def uploads(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: UploadStatus | None = None,
    ) -> Connection[UploadType]:
        return await query(_uploads(info, first, after, status))

    @strawberry.field
    async def upload(self, info: Info, id: strawberry.ID) -> UploadType | None:
        return await query_or_null(_upload(info, id))


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_upload(self, info: Info, input: CreateUploadInput) -> CreateUploadPayload:
        return CreateUploadPayload(errors=not_implemented("createUpload"))

    @strawberry.mutation(description="Checks and charges the upload, then starts the pipeline.")
    async def complete_upload(self, info: Info, id: strawberry.ID) -> UploadPayload:
        return UploadPayload(errors=not_implemented("completeUpload"))

    @strawberry.mutation
    async def retry_upload(self, info: Info, id: strawberry.ID) -> UploadPayload:
        return UploadPayload(errors=not_implemented("retryUpload"))

    @strawberry.mutation
    async def delete_upload(self, info: Info, id: strawberry.ID) -> DeleteUploadPayload:
        return DeleteUploadPayload(errors=not_implemented("deleteUpload"))
