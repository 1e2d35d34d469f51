"""Stripe events that are validly signed but dated outside the library's tolerance, either way,
or whose body is no event at all: refused with a 400, nothing applied (issue 15)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from stripe import Webhook

from core.config import Settings
from orm.models import StripeEvent
from tests.credits.helpers import post_event
from tests.servers.fake_stripe import FakeStripe, make_event

TOLERANCE_SECONDS = Webhook.DEFAULT_TOLERANCE  # the library's


@pytest.mark.parametrize("skew", [-(TOLERANCE_SECONDS + 60), 600, TOLERANCE_SECONDS + 60])
async def test_events_dated_outside_the_tolerance_are_refused(
    client: Any, stripe_api: FakeStripe, settings: Settings, skew: int
) -> None:
    event = make_event("customer.created", {"id": "cus_1"})
    secret = settings.stripe_webhook_secret or ""
    resp = await post_event(client, event, secret, timestamp=int(time.time()) + skew)
    assert resp.status_code == 400, (skew, resp.text)
    assert not await StripeEvent.filter(id=event["id"]).exists()


@pytest.mark.parametrize("skew", [-60, 0, 60])
async def test_events_within_the_tolerance_are_accepted(
    client: Any, stripe_api: FakeStripe, settings: Settings, skew: int
) -> None:
    event = make_event("customer.created", {"id": "cus_1"})
    secret = settings.stripe_webhook_secret or ""
    resp = await post_event(client, event, secret, timestamp=int(time.time()) + skew)
    assert resp.status_code == 200 and resp.json()["outcome"] == "ignored"


@pytest.mark.parametrize(
    "payload",
    ["[1, 2, 3]", '"event"', "42", "null", '{"id": 1, "type": [], "data": {}}', "[" * 3000],
)
async def test_signed_bodies_that_are_no_event_answer_400(
    client: Any, stripe_api: FakeStripe, settings: Settings, payload: str
) -> None:
    secret = settings.stripe_webhook_secret or ""
    resp = await post_event(client, {}, secret, payload=payload)
    assert resp.status_code == 400, resp.text
    assert json.loads(resp.text)["error"] == "invalid payload"


async def test_a_missing_or_garbled_signature_header_answers_400(
    client: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    event = make_event("customer.created", {"id": "cus_1"})
    for header in ("", "t=abc,v1=00", "v1=00", "garbage"):
        resp = await post_event(client, event, settings.stripe_webhook_secret or "", header=header)
        assert resp.status_code == 400, header
