"""Upload fields: list and detail; create, complete, retry, delete."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from core.storage import MultipartPart
from graphql_api.common.errors import NotFoundAsNull, UserError
from graphql_api.common.relay import Connection, make_connection
from graphql_api.context import Info
from graphql_api.uploads.options import ClipOptionsInput, asked
from graphql_api.uploads.types import (
    Header,
    MultipartUploadTarget,
    UploadPartTarget,
    UploadTarget,
    UploadType,
)
from orm.models.enums import UploadStatus
from resolvers import reclip as reclip_cases
from resolvers import upload_flow as flow
from resolvers import uploads as cases


@strawberry.input
class CreateUploadInput:
    filename: str
    content_type: str
    size_bytes: float = strawberry.field(description="Declared size in bytes (up to 10 GB).")
    options: ClipOptionsInput | None = None


@strawberry.input
class CreateMultipartUploadInput:
    filename: str
    content_type: str
    size_bytes: float = strawberry.field(description="Exact size in bytes (up to 10 GB).")
    options: ClipOptionsInput | None = None


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
        page = await cases.uploads_page(info.context.viewer, first, after, status)
        return make_connection(page, UploadType.from_model)

    @strawberry.field(extensions=[NotFoundAsNull()])
    async def upload(self, info: Info, id: strawberry.ID) -> UploadType | None:
        upload = await cases.get_upload(info.context.viewer, id)
        return UploadType.from_model(upload)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates an upload and a presigned PUT (24 h) for its bytes.")
    async def create_upload(self, info: Info, input: CreateUploadInput) -> CreateUploadPayload:
        upload, target = await flow.create_upload(
            info.context.viewer,
            input.filename,
            input.content_type,
            input.size_bytes,
            asked(input.options),
        )
        assert target.expires_at is not None
        return CreateUploadPayload(
            upload=UploadType.from_model(upload),
            target=UploadTarget(
                url=target.url,
                method=target.method,
                headers=[Header(name=k, value=v) for k, v in target.headers.items()],
                expires_at=target.expires_at,
            ),
        )

    @strawberry.mutation(
        description="Creates an upload sent in parts (large files, unreliable networks)."
    )
    async def create_multipart_upload(
        self, info: Info, input: CreateMultipartUploadInput
    ) -> CreateMultipartUploadPayload:
        upload, target = await flow.create_multipart_upload(
            info.context.viewer,
            input.filename,
            input.content_type,
            input.size_bytes,
            asked(input.options),
        )
        return CreateMultipartUploadPayload(
            upload=UploadType.from_model(upload),
            target=MultipartUploadTarget(
                method="PUT",
                part_size_bytes=float(target.part_size),
                parts=[
                    UploadPartTarget(part_number=p.part_number, url=p.url) for p in target.parts
                ],
                expires_at=target.expires_at,
            ),
        )

    @strawberry.mutation(description="Checks and charges the upload, then starts the pipeline.")
    async def complete_upload(self, info: Info, id: strawberry.ID) -> UploadPayload:
        upload = await flow.complete_upload(info.context.viewer, id)
        return UploadPayload(upload=UploadType.from_model(upload))

    @strawberry.mutation(
        description="Assembles the uploaded parts, then completes the upload like completeUpload."
    )
    async def complete_multipart_upload(
        self, info: Info, input: CompleteMultipartUploadInput
    ) -> UploadPayload:
        parts = [MultipartPart(part_number=p.part_number, etag=p.etag) for p in input.parts]
        upload = await flow.complete_multipart_upload(info.context.viewer, input.id, parts)
        return UploadPayload(upload=UploadType.from_model(upload))

    @strawberry.mutation(description="Queues a FAILED upload again (charged again if refunded).")
    async def retry_upload(self, info: Info, id: strawberry.ID) -> UploadPayload:
        upload = await flow.retry_upload(info.context.viewer, id)
        return UploadPayload(upload=UploadType.from_model(upload))

    @strawberry.mutation(
        description="Finds clips again on a READY upload with new options: no new "
        "transcription, no charge. Clips whose origin is MANUAL stay; the new ones arrive with "
        "the CLIP and CAPTIONS events, then the upload is READY again."
    )
    async def reclip_upload(
        self, info: Info, id: strawberry.ID, options: ClipOptionsInput
    ) -> UploadPayload:
        upload = await reclip_cases.reclip_upload(info.context.viewer, id, options.asked())
        return UploadPayload(upload=UploadType.from_model(upload))

    @strawberry.mutation(description="Deletes the upload, its clips and every stored file.")
    async def delete_upload(self, info: Info, id: strawberry.ID) -> DeleteUploadPayload:
        await flow.delete_upload(info.context.viewer, id)
        return DeleteUploadPayload(deleted_id=id)
