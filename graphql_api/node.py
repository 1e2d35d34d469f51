"""`node(id:)`: every type reachable by global id, always through its owner."""

from __future__ import annotations

import strawberry

from core.errors import NotFound
from graphql_api.accounts.types import UserType
from graphql_api.clips.types import ClipType
from graphql_api.common.guard import query_or_null
from graphql_api.common.relay import Node, decode_uuid, from_global_id
from graphql_api.context import Info
from graphql_api.exports.types import ExportType
from graphql_api.uploads.types import UploadType
from resolvers import clips, exports, uploads
from resolvers.viewer import require


async def _resolve(info: Info, id: strawberry.ID) -> Node:
    type_name, _ = from_global_id(id)
    if type_name == "Upload":
        viewer = require(info.context.viewer, "READ_CLIPS")
        return UploadType.from_model(
            await uploads.owned_upload(viewer.user_id, decode_uuid(id, type_name))
        )
    if type_name == "Clip":
        viewer = require(info.context.viewer, "READ_CLIPS")
        return ClipType.from_model(
            await clips.owned_clip(viewer.user_id, decode_uuid(id, type_name))
        )
    if type_name == "Export":
        viewer = require(info.context.viewer, "READ_CLIPS")
        return ExportType.from_model(
            await exports.owned_export(viewer.user_id, decode_uuid(id, type_name))
        )
    if type_name == "User":
        viewer = require(info.context.viewer)
        if decode_uuid(id, type_name) != viewer.user_id:
            raise NotFound("object")
        user = await info.context.loaders.user.load(viewer.user_id)
        assert user is not None
        return UserType.from_model(user)
    raise NotFound("object")


@strawberry.type
class Query:
    @strawberry.field(description="Any object you own, by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await query_or_null(_resolve(info, id))
