"""Schema assembly: each domain contributes its Query/Mutation/Subscription fields."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from core.errors import DomainError
from graphql_api import unavailable
from graphql_api.accounts import schema as accounts
from graphql_api.accounts.types import ApiKeyType, UserType
from graphql_api.admin import schema as admin
from graphql_api.caption_styles import schema as caption_styles
from graphql_api.caption_styles.types import CaptionStyleType
from graphql_api.clips import schema as clips
from graphql_api.clips.types import CaptionType, ClipType
from graphql_api.common.errors import PayloadErrors
from graphql_api.context import FreshLoaders
from graphql_api.credits import schema as credits
from graphql_api.credits.types import CreditTransactionType
from graphql_api.error_codes import code_errors
from graphql_api.events import schema as events
from graphql_api.exports import schema as exports
from graphql_api.exports.types import ExportType
from graphql_api.input_text import StorableText
from graphql_api.limits import limit_extensions
from graphql_api.metrics import MetricsExtension
from graphql_api.moments import schema as moments
from graphql_api.node import Query as NodeQuery
from graphql_api.ratelimit import WebSocketRateLimit
from graphql_api.transcripts import schema as transcripts
from graphql_api.trusted_documents import TrustedDocuments
from graphql_api.uploads import imports as upload_imports
from graphql_api.uploads import schema as uploads
from graphql_api.uploads.types import UploadType
from graphql_api.webhook_endpoints import schema as webhook_endpoints
from graphql_api.webhook_endpoints.types import WebhookType

log = logging.getLogger("clipforge.graphql")

Query = merge_types(
    "Query",
    (
        NodeQuery,
        accounts.Query,
        credits.Query,
        uploads.Query,
        clips.Query,
        moments.Query,
        caption_styles.Query,
        admin.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        accounts.Mutation,
        credits.Mutation,
        uploads.Mutation,
        upload_imports.Mutation,
        clips.Mutation,
        transcripts.Mutation,
        exports.Mutation,
        caption_styles.Mutation,
        webhook_endpoints.Mutation,
        admin.Mutation,
    ),
)
Subscription = merge_types("Subscription", (events.Subscription,))


def _answer_in_payloads(mutation_type: type) -> None:
    """Every mutation answers a DomainError in its payload's `errors` (see common.errors)."""
    for field in get_object_definition(mutation_type, strict=True).fields:
        if not any(isinstance(e, PayloadErrors) for e in field.extensions):
            field.extensions.append(PayloadErrors())


_answer_in_payloads(Mutation)

NODE_TYPES = [
    UserType,
    UploadType,
    ClipType,
    CaptionType,
    ExportType,
    CaptionStyleType,
    CreditTransactionType,
    ApiKeyType,
    WebhookType,
    admin.DeadLetterType,
]


class MaskInternalErrors(SchemaExtension):
    """Unexpected exceptions reach the client as one generic message, never a stack trace."""

    def on_operation(self) -> Any:
        yield
        result = self.execution_context.result
        if not result or not result.errors:
            return
        masked = []
        for error in result.errors:
            original = error.original_error
            if original is None or isinstance(original, (GraphQLError, DomainError)):
                masked.append(error)
                continue
            if unavailable.is_unavailable(original):
                log.warning("backing service unavailable: %s", original)
                masked.append(
                    GraphQLError(
                        unavailable.MESSAGE,
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": unavailable.CODE},
                    )
                )
                continue
            log.error("unhandled error in resolver", exc_info=original)
            masked.append(
                GraphQLError(
                    "Internal server error.",
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL_SERVER_ERROR"},
                )
            )
        result.errors = masked


def extensions() -> list[type[SchemaExtension]]:
    """Extensions as classes (one instance per operation)."""
    return [
        MaskInternalErrors,
        FreshLoaders,
        MetricsExtension,
        WebSocketRateLimit,
        TrustedDocuments,  # before the limits' validation: an unlisted document is not walked
        StorableText,
        *limit_extensions(),
    ]


class ClipforgeSchema(strawberry.Schema):
    """Client mistakes (bad queries, NOT_FOUND, UNAUTHENTICATED...) are not server errors:
    they are logged at INFO; unexpected exceptions are logged once by MaskInternalErrors."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any | None = None
    ) -> None:
        code_errors(errors, self._schema, execution_context)  # in place: what the client reads
        for error in errors:
            if error.original_error is None or isinstance(
                error.original_error, (GraphQLError, DomainError)
            ):
                code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION")
                log.info("client error %s: %s", code, error.message)


def build_schema() -> strawberry.Schema:
    return ClipforgeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions(),
    )


schema = build_schema()


def schema_sdl() -> str:
    return schema.as_str() + "\n"
