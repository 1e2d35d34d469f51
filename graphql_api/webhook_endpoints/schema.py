"""Webhook fields: create (the secret shown once) and delete; the list is `me.webhooks`."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from core.webhooks import WebhookEvent
from graphql_api.common.errors import UserError
from graphql_api.context import Info
from graphql_api.webhook_endpoints.types import WebhookType
from resolvers import webhook_endpoints as cases


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="Where events are POSTed (https in production).")
    events: list[WebhookEvent]


@strawberry.type
class CreateWebhookPayload:
    webhook: WebhookType | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_...), shown only here: verify deliveries "
        "with it (Standard Webhooks).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Registers an endpoint for events (at most 10 per user).")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
        names = [event.name for event in input.events]
        hook, secret = await cases.create_webhook(info.context.viewer, input.url, names)
        return CreateWebhookPayload(webhook=WebhookType.from_model(hook), secret=secret)

    @strawberry.mutation(description="Deletes an endpoint; nothing more is sent to it.")
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> DeleteWebhookPayload:
        await cases.delete_webhook(info.context.viewer, id)
        return DeleteWebhookPayload(deleted_id=id)
