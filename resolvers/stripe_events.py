"""Applying verified Stripe webhook events: a paid Checkout Session becomes a PURCHASE.

Each event id is recorded (StripeEvent) in the same transaction as its effect, so a replay
changes nothing; the purchase's reference is the Checkout Session id, so a session is paid
for once even when both `completed` and `async_payment_succeeded` arrive, in any order.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.config import CreditPack, get_settings
from core.errors import DomainError
from orm import ledger
from orm.models import StripeEvent, User
from orm.models.enums import CreditKind
from resolvers.billing import find_pack

log = logging.getLogger("clipforge.billing")

HANDLED = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
    }
)


def _purchase(session: dict[str, Any]) -> tuple[uuid.UUID, CreditPack] | None:
    """(user, pack) when the session paid exactly a pack's price, else None (logged)."""
    sid = session.get("id")
    if not sid:
        log.error("checkout event without a session id: nothing granted")
        return None
    metadata = session.get("metadata") or {}
    try:
        user_id = uuid.UUID(str(session.get("client_reference_id")))
        pack = find_pack(str(metadata.get("pack_id")), get_settings())
    except (ValueError, DomainError):
        log.error("checkout session %s: unknown user or pack, nothing granted", sid)
        return None
    amount, currency = session.get("amount_total"), str(session.get("currency") or "").lower()
    if amount != pack.price_cents or currency != pack.currency.lower():
        log.error(
            "checkout session %s paid %s %s for pack %s priced %s %s: nothing granted",
            sid,
            amount,
            currency,
            pack.id,
            pack.price_cents,
            pack.currency,
        )
        return None
    return user_id, pack


async def _record_only(event_id: str, event_type: str) -> str:
    try:
        async with in_transaction() as conn:
            if await StripeEvent.filter(id=event_id).using_db(conn).exists():
                return "duplicate"
            await StripeEvent.create(id=event_id, type=event_type, using_db=conn)
    except IntegrityError:
        return "duplicate"
    return "recorded"


async def apply_event(event: dict[str, Any]) -> str:
    """Apply one verified event; returns what happened (for logs and tests)."""
    event_id, event_type = str(event["id"]), str(event["type"])
    if event_type not in HANDLED:
        return "ignored"
    data = event.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    session: dict[str, Any] = found if isinstance(found, dict) else {}
    paid = event_type == "checkout.session.async_payment_succeeded" or (
        event_type == "checkout.session.completed" and session.get("payment_status") == "paid"
    )
    target = _purchase(session) if paid else None
    if target is None:
        if event_type == "checkout.session.async_payment_failed":
            log.info("checkout session %s: payment failed", session.get("id"))
        return await _record_only(event_id, event_type)
    user_id, pack = target
    if not await User.filter(id=user_id).exists():
        log.error("checkout session %s: user %s is gone", session.get("id"), user_id)
        return await _record_only(event_id, event_type)
    try:
        async with in_transaction() as conn:
            await ledger.lock_user(user_id, conn)  # serialises replays of this user's events
            if await StripeEvent.filter(id=event_id).using_db(conn).exists():
                return "duplicate"
            await StripeEvent.create(id=event_id, type=event_type, using_db=conn)
            _, created = await ledger.credit(
                user_id, pack.minutes, f"stripe:{session['id']}", CreditKind.PURCHASE, conn
            )
    except IntegrityError:
        return "duplicate"
    if created:
        log.info("granted %s minutes (pack %s) to %s", pack.minutes, pack.id, user_id)
        return "granted"
    return "already granted"
