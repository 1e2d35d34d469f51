"""`node(id:)`: every type reachable by global id, always through its owner."""

from __future__ import annotations

import strawberry

from core.errors import NotFound
from graphql_api.accounts.types import UserType
from graphql_api.caption_styles.types import CaptionStyleType
from graphql_api.clips.types import ClipType
from graphql_api.common.errors import NotFoundAsNull
from graphql_api.common.relay import Node, from_global_id
from graphql_api.context import Info
from graphql_api.exports.types import ExportType
from graphql_api.uploads.types import UploadType
from graphql_api.webhook_endpoints.types import WebhookType
from resolvers import accounts, caption_styles, clips, exports, uploads, webhook_endpoints


@strawberry.type
class Query:
    @strawberry.field(
        description="Any object you own, by its global id.", extensions=[NotFoundAsNull()]
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, _ = from_global_id(id)
        viewer = info.context.viewer
        if type_name == "Upload":
            return UploadType.from_model(await uploads.get_upload(viewer, id))
        if type_name == "Clip":
            return ClipType.from_model(await clips.get_clip(viewer, id))
        if type_name == "Export":
            return ExportType.from_model(await exports.get_export(viewer, id))
        if type_name == "CaptionStyle":
            entry = await caption_styles.get_caption_style(viewer, id)
            return CaptionStyleType.from_entry(entry)
        if type_name == "Webhook":
            return WebhookType.from_model(await webhook_endpoints.get_webhook(viewer, id))
        if type_name == "User":
            return UserType.from_model(await accounts.own_user(viewer, id, info.context.loaders))
        raise NotFound("object")
