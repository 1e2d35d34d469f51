"""Webhook types: an endpoint and the deliveries of events to it."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from core.webhooks import WebhookEvent
from graphql_api.common.relay import Connection, Node, make_connection, to_global_id
from graphql_api.context import Info
from orm.models import DeliveryState, Webhook, WebhookDelivery
from resolvers import webhook_endpoints as cases


@strawberry.type(name="WebhookDelivery")
class WebhookDeliveryType:
    """One event sent (or being sent) to the endpoint: the same webhook-id on every attempt."""

    id: strawberry.ID
    event_type: WebhookEvent
    attempts: int
    succeeded: bool
    status_code: int | None = strawberry.field(description="The last attempt's HTTP status.")
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(description="While it is retried.")
    error: str | None = strawberry.field(description="Why the last attempt failed.")
    created_at: datetime

    @classmethod
    def from_model(cls, row: WebhookDelivery) -> WebhookDeliveryType:
        return cls(
            id=to_global_id("WebhookDelivery", row.id),
            event_type=WebhookEvent[row.event_type],
            attempts=row.attempts,
            succeeded=row.state == DeliveryState.SUCCEEDED,
            status_code=row.status_code,
            last_attempt_at=row.last_attempt_at,
            next_attempt_at=row.next_attempt_at,
            error=row.last_error,
            created_at=row.created_at,
        )


@strawberry.type(name="Webhook")
class WebhookType(Node):
    url: str
    events: list[WebhookEvent]
    created_at: datetime
    disabled_at: datetime | None = strawberry.field(
        description="Set when deliveries kept failing for five days; none are sent since."
    )
    disabled_reason: str | None
    _pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, hook: Webhook) -> WebhookType:
        return cls(
            id=to_global_id("Webhook", hook.id),
            url=hook.url,
            events=[WebhookEvent[name] for name in hook.events],
            created_at=hook.created_at,
            disabled_at=hook.disabled_at,
            disabled_reason=hook.disabled_reason,
            _pk=hook.id,
        )

    @strawberry.field(description="Events sent to this endpoint, newest first.")
    async def deliveries(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[WebhookDeliveryType]:
        page = await cases.deliveries_page(info.context.viewer, self._pk, first, after)
        return make_connection(page, WebhookDeliveryType.from_model)
