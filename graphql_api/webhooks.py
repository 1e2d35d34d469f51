"""POST /webhooks/stripe: Stripe's signed events, verified with the endpoint secret."""

from __future__ import annotations

import json
import logging

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.config import get_settings
from resolvers.stripe_events import apply_event

log = logging.getLogger("clipforge.billing")

MAX_BODY = 1024 * 1024


async def stripe_webhook(request: Request) -> Response:
    """400 for anything not signed by Stripe (nothing changes); 200 once applied or ignored."""
    secret = get_settings().stripe_webhook_secret
    if not secret:
        return JSONResponse({"error": "webhooks are not configured"}, status_code=503)
    payload = await request.body()
    if len(payload) > MAX_BODY:
        return JSONResponse({"error": "payload too large"}, status_code=413)
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("stripe-signature"), secret)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        return JSONResponse({"error": "invalid signature"}, status_code=400)
    except ValueError:
        return JSONResponse({"error": "invalid payload"}, status_code=400)
    if not isinstance(event, dict) or not {"id", "type", "data"} <= event.keys():
        return JSONResponse({"error": "invalid payload"}, status_code=400)
    outcome = await apply_event(event)
    log.info("stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return JSONResponse({"received": True, "outcome": outcome})


routes: list[Route] = [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
