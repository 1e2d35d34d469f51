"""Upload fields: list and detail; create, complete, retry, delete."""

from __future__ import annotations

from typing import Any

import strawberry

import graphql_api.enums  # noqa: F401
from core.storage import MultipartPart
from graphql_api.common.errors import UserError
from graphql_api.common.guard import mutation, query, query_or_null
from graphql_api.common.relay import Connection, decode_uuid, make_connection
from graphql_api.context import Info
from graphql_api.uploads.types import (
    Header,
    MultipartUploadTarget,
    UploadPartTarget,
    UploadTarget,
    UploadType,
)
from orm.models.enums import UploadStatus
from resolvers import upload_flow as flow
from resolvers import uploads as cases
from resolvers.viewer import require


@strawberry.input
class CreateUploadInput:
    filename: str
    content_type: str
    size_bytes: float = strawberry.field(description="Declared size in bytes (up to 10 GB).")


@strawberry.input
class CreateMultipartUploadInput:
    filename: str
    content_type: str
    size_bytes: float = strawberry.field(description="Exact size in bytes (up to 10 GB).")


@strawberry.input
class CompletedPartInput:
    part_number: int
    etag: str = strawberry.field(description="The ETag header the part's PUT answered with.")


@strawberry.input
class CompleteMultipartUploadInput:
    id: strawberry.ID
    parts: list[CompletedPartInput]


@strawberry.type
class CreateMultipartUploadPayload:
    upload: UploadType | None = None
    target: MultipartUploadTarget | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


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


def _writer(info: Info) -> Any:
    return require(info.context.viewer, "WRITE_UPLOADS")


async def _create(info: Info, input: CreateUploadInput) -> dict[str, Any]:
    viewer = _writer(info)
    upload, target = await flow.create_upload(
        viewer.user_id, input.filename, input.content_type, input.size_bytes
    )
    assert target.expires_at is not None
    return {
        "upload": UploadType.from_model(upload),
        "target": UploadTarget(
            url=target.url,
            method=target.method,
            headers=[Header(name=k, value=v) for k, v in target.headers.items()],
            expires_at=target.expires_at,
        ),
    }


async def _create_multipart(info: Info, input: CreateMultipartUploadInput) -> dict[str, Any]:
    viewer = _writer(info)
    upload, target = await flow.create_multipart_upload(
        viewer.user_id, input.filename, input.content_type, input.size_bytes
    )
    return {
        "upload": UploadType.from_model(upload),
        "target": MultipartUploadTarget(
            method="PUT",
            part_size_bytes=float(target.part_size),
            parts=[UploadPartTarget(part_number=p.part_number, url=p.url) for p in target.parts],
            expires_at=target.expires_at,
        ),
    }


async def _complete(info: Info, id: strawberry.ID) -> dict[str, Any]:
    viewer = _writer(info)
    upload = await flow.complete_upload(viewer.user_id, decode_uuid(id, "Upload"))
    return {"upload": UploadType.from_model(upload)}


async def _complete_multipart(info: Info, input: CompleteMultipartUploadInput) -> dict[str, Any]:
    viewer = _writer(info)
    parts = [MultipartPart(part_number=p.part_number, etag=p.etag) for p in input.parts]
    upload = await flow.complete_multipart_upload(
        viewer.user_id, decode_uuid(input.id, "Upload"), parts
    )
    return {"upload": UploadType.from_model(upload)}


async def _retry(info: Info, id: strawberry.ID) -> dict[str, Any]:
    viewer = _writer(info)
    upload = await flow.retry_upload(viewer.user_id, decode_uuid(id, "Upload"))
    return {"upload": UploadType.from_model(upload)}


async def _delete(info: Info, id: strawberry.ID) -> dict[str, Any]:
    viewer = _writer(info)
    await flow.delete_upload(viewer.user_id, decode_uuid(id, "Upload"))
    return {"deleted_id": id}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates an upload and a presigned PUT (24 h) for its bytes.")
    async def create_upload(self, info: Info, input: CreateUploadInput) -> CreateUploadPayload:
        return await mutation(CreateUploadPayload, lambda: _create(info, input))

    @strawberry.mutation(
        description="Creates an upload sent in parts (large files, unreliable networks)."
    )
    async def create_multipart_upload(
        self, info: Info, input: CreateMultipartUploadInput
    ) -> CreateMultipartUploadPayload:
        return await mutation(CreateMultipartUploadPayload, lambda: _create_multipart(info, input))

    @strawberry.mutation(description="Checks and charges the upload, then starts the pipeline.")
    async def complete_upload(self, info: Info, id: strawberry.ID) -> UploadPayload:
        return await mutation(UploadPayload, lambda: _complete(info, id))

    @strawberry.mutation(
        description="Assembles the uploaded parts, then completes the upload like completeUpload."
    )
    async def complete_multipart_upload(
        self, info: Info, input: CompleteMultipartUploadInput
    ) -> UploadPayload:
        return await mutation(UploadPayload, lambda: _complete_multipart(info, input))

    @strawberry.mutation(description="Queues a FAILED upload again (charged again if refunded).")
    async def retry_upload(self, info: Info, id: strawberry.ID) -> UploadPayload:
        return await mutation(UploadPayload, lambda: _retry(info, id))

    @strawberry.mutation(description="Deletes the upload, its clips and every stored file.")
    async def delete_upload(self, info: Info, id: strawberry.ID) -> DeleteUploadPayload:
        return await mutation(DeleteUploadPayload, lambda: _delete(info, id))
