"""Webhook endpoints of a user: register (the secret shown once), list, delete; deliveries.

A session user or an API key with MANAGE_WEBHOOKS manages them. At most ten per user. The
URL passes the same checks as an import link (core.netguard), and must be https in
production. The secret (`whsec_...`, Standard Webhooks) is stored sealed with AES-256-GCM
under a key derived from the server secret (core.webhooks.SecretBox): the worker needs the
secret itself to sign, so it cannot be hashed.
"""

from __future__ import annotations

import uuid

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.errors import DomainError, NotFound
from core.outbound import outbound_guard, webhook_secret_box, webhooks_require_https
from core.webhooks import WebhookEvent, new_secret
from orm.models import User, Webhook, WebhookDelivery
from resolvers.ids import decode_uuid
from resolvers.pagination import Page, decode_time_cursor, page_size, time_cursor
from resolvers.viewer import MANAGE_WEBHOOKS, Viewer, require

MAX_WEBHOOKS = 10


def _events(events: list[str]) -> list[str]:
    names = sorted({str(getattr(e, "name", e)) for e in events})
    if not names:
        raise DomainError("INVALID_EVENTS", "Choose at least one event.", "events")
    if not set(names) <= set(WebhookEvent.__members__):
        raise DomainError("INVALID_EVENTS", "Unknown event type.", "events")
    return names


async def create_webhook(viewer: Viewer | None, url: str, events: list[str]) -> tuple[Webhook, str]:
    """The endpoint and its secret (shown once)."""
    user_id = require(viewer, MANAGE_WEBHOOKS).user_id
    names = _events(events)
    await outbound_guard().check_url(url, require_https=webhooks_require_https())
    hook_id = uuid.uuid4()
    secret = new_secret()
    sealed = webhook_secret_box().seal(secret, context=str(hook_id))
    async with in_transaction() as conn:
        # The user row serialises creations, so two at once cannot pass the limit together.
        await User.filter(id=user_id).select_for_update().using_db(conn).first()
        if await Webhook.filter(user_id=user_id).using_db(conn).count() >= MAX_WEBHOOKS:
            raise DomainError(
                "TOO_MANY_WEBHOOKS",
                f"You can have at most {MAX_WEBHOOKS} webhook endpoints; delete one first.",
            )
        hook = await Webhook.create(
            id=hook_id,
            user_id=user_id,
            url=url,
            events=names,
            secret_sealed=sealed,
            using_db=conn,
        )
    return hook, secret


async def user_webhooks(viewer: Viewer | None) -> list[Webhook]:
    """The viewer's endpoints, newest first."""
    user_id = require(viewer, MANAGE_WEBHOOKS).user_id
    return await Webhook.filter(user_id=user_id).order_by("-created_at", "-id")


async def get_webhook(viewer: Viewer | None, webhook_gid: str) -> Webhook:
    user_id = require(viewer, MANAGE_WEBHOOKS).user_id
    hook = await Webhook.filter(id=decode_uuid(webhook_gid, "Webhook"), user_id=user_id).first()
    if hook is None:
        raise NotFound("webhook")
    return hook


async def delete_webhook(viewer: Viewer | None, webhook_gid: str) -> uuid.UUID:
    """Remove the endpoint and its deliveries: pending ones are never sent."""
    user_id = require(viewer, MANAGE_WEBHOOKS).user_id
    hook_id = decode_uuid(webhook_gid, "Webhook")
    if not await Webhook.filter(id=hook_id, user_id=user_id).delete():
        raise NotFound("webhook")
    return hook_id


async def deliveries_page(
    viewer: Viewer | None, webhook_id: uuid.UUID, first: int | None, after: str | None
) -> Page[WebhookDelivery]:
    """An endpoint's deliveries, newest first (only the owner's)."""
    user_id = require(viewer, MANAGE_WEBHOOKS).user_id
    limit = page_size(first)
    query = WebhookDelivery.filter(webhook_id=webhook_id, webhook__user_id=user_id)
    if after:
        stamp, pk = decode_time_cursor(after)
        query = query.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk))
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return Page(rows, [time_cursor(r.created_at, r.id) for r in rows], limit)
