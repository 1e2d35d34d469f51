"""Buying credit: a Stripe Checkout Session for a credit pack from the configuration."""

from __future__ import annotations

import logging

import stripe

from core.config import CreditPack, Settings, get_settings
from core.errors import DomainError
from resolvers.viewer import Viewer, require

log = logging.getLogger("clipforge.billing")

_clients: dict[tuple[str, str | None], stripe.StripeClient] = {}


def find_pack(pack_id: str, settings: Settings | None = None) -> CreditPack:
    for pack in (settings or get_settings()).credit_packs:
        if pack.id == pack_id:
            return pack
    raise DomainError("UNKNOWN_PACK", f"There is no credit pack {pack_id!r}.", "pack")


def stripe_client(settings: Settings) -> stripe.StripeClient:
    """One client per key and API base (it keeps an HTTP connection pool)."""
    if not settings.stripe_api_key:
        raise DomainError("BILLING_UNAVAILABLE", "Payments are not set up on this server.")
    cache_key = (settings.stripe_api_key, settings.stripe_api_base)
    client = _clients.get(cache_key)
    if client is None:
        client = stripe.StripeClient(
            settings.stripe_api_key,
            base_addresses=(
                {"api": settings.stripe_api_base.rstrip("/")} if settings.stripe_api_base else {}
            ),
            max_network_retries=2,
        )
        _clients[cache_key] = client
    return client


async def create_checkout_session(viewer: Viewer | None, pack_id: str) -> str:
    """The URL of a Checkout page selling ``pack_id`` to the signed-in user (not an API key)."""
    user_id = require(viewer).user_id
    settings = get_settings()
    pack = find_pack(pack_id, settings)
    client = stripe_client(settings)
    metadata = {"pack_id": pack.id, "minutes": str(pack.minutes), "user_id": str(user_id)}
    try:
        session = await client.v1.checkout.sessions.create_async(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": pack.currency,
                            "unit_amount": pack.price_cents,
                            "product_data": {"name": f"{pack.minutes} minutes of Clipforge"},
                        },
                    }
                ],
                "client_reference_id": str(user_id),
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
                "success_url": settings.checkout_success_url,
                "cancel_url": settings.checkout_cancel_url,
            }
        )
    except stripe.StripeError as exc:
        log.error("checkout session for %s failed: %s", pack.id, exc)
        raise DomainError(
            "PAYMENT_PROVIDER_ERROR", "The payment page could not be opened; try again."
        ) from None
    if not session.url:
        raise DomainError("PAYMENT_PROVIDER_ERROR", "The payment page could not be opened.")
    return session.url
