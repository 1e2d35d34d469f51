"""importUpload: an upload the worker fetches from a link."""

from __future__ import annotations

import strawberry

from graphql_api.context import Info
from graphql_api.uploads.options import ClipOptionsInput, asked
from graphql_api.uploads.schema import UploadPayload
from graphql_api.uploads.types import UploadType
from resolvers import upload_import as cases


@strawberry.input
class ImportUploadInput:
    url: str = strawberry.field(
        description="A direct http(s) link to a video or a video site's page."
    )
    options: ClipOptionsInput | None = None


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Creates an upload from a link (IMPORTING); charged once fetched and probed."
    )
    async def import_upload(self, info: Info, input: ImportUploadInput) -> UploadPayload:
        upload = await cases.import_upload(info.context.viewer, input.url, asked(input.options))
        return UploadPayload(upload=UploadType.from_model(upload))
