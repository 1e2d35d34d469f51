"""POST /webhooks/stripe: Stripe's signed events, verified with the endpoint secret.

The signature is checked first, over the raw body, with the stripe library's tolerance in
both directions: an event signed more than that in the past (a replay) or in the future (a
clock, or a header, that lies) is refused. Only then is the body parsed, and anything but a
JSON object shaped like an event is a 400: nothing a sender controls reaches a 500.
"""

from __future__ import annotations

import json
import logging
import time

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.config import get_settings
from resolvers.stripe_events import apply_event

log = logging.getLogger("clipforge.billing")

MAX_BODY = 1024 * 1024
TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE


def _refused(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def signed_at(header: str) -> int | None:
    """The `t=` timestamp of a Stripe-Signature header (None when absent or not a number)."""
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def verified_text(payload: bytes, header: str | None, secret: str) -> str | None:
    """The body as text when Stripe signed it within the tolerance either way, else None."""
    if not header:
        return None
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, header, secret, TOLERANCE_SECONDS)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        return None
    at = signed_at(header)
    if at is None or abs(time.time() - at) > TOLERANCE_SECONDS:
        return None  # the library refuses old timestamps only
    return text


async def stripe_webhook(request: Request) -> Response:
    """400 for anything not signed by Stripe (nothing changes); 200 once applied or ignored."""
    secret = get_settings().stripe_webhook_secret
    if not secret:
        return _refused("webhooks are not configured", 503)
    payload = await request.body()
    if len(payload) > MAX_BODY:
        return _refused("payload too large", 413)
    text = verified_text(payload, request.headers.get("stripe-signature"), secret)
    if text is None:
        return _refused("invalid signature")
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):
        return _refused("invalid payload")
    if not isinstance(event, dict) or not {"id", "type", "data"} <= event.keys():
        return _refused("invalid payload")
    if not isinstance(event["id"], str) or not isinstance(event["type"], str):
        return _refused("invalid payload")
    outcome = await apply_event(event)
    log.info("stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return JSONResponse({"received": True, "outcome": outcome})


routes: list[Route] = [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
