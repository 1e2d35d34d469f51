"""POST /webhooks/stripe with events signed exactly as Stripe signs them: a paid session
grants its pack once, whatever the replays, duplicates and order; forgeries change nothing."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from core.config import Settings
from orm.models import CreditTransaction, StripeEvent, User
from orm.models.enums import CreditKind
from tests.credits.helpers import CHECKOUT, assert_ledger_consistent, post_event
from tests.servers.fake_stripe import FakeStripe, make_event, sign


async def open_session(gql: Any, token: str, pack: str = "minutes_100") -> str:
    body = await gql(CHECKOUT, {"pack": pack}, token=token)
    return str(body["data"]["createCheckoutSession"]["url"].rsplit("/", 1)[1])


async def purchases(user_id: Any) -> list[CreditTransaction]:
    return await CreditTransaction.filter(user_id=user_id, kind=CreditKind.PURCHASE)


async def test_paid_session_grants_the_pack_once_across_replays(
    client: Any, gql: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    user, token = await make_user(minutes=30)
    session_id = await open_session(gql, token)
    event = stripe_api.paid_event(session_id)
    secret = settings.stripe_webhook_secret or ""
    first = await post_event(client, event, secret)
    assert first.status_code == 200 and first.json()["outcome"] == "granted"
    # The same delivery again, and ten concurrent duplicates: all acknowledged, none grants.
    again = await post_event(client, event, secret)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    storm = await asyncio.gather(*(post_event(client, event, secret) for _ in range(10)))
    assert {r.status_code for r in storm} == {200}
    rows = await purchases(user.id)
    assert [(r.minutes, r.reference) for r in rows] == [(100, f"stripe:{session_id}")]
    assert await StripeEvent.filter(id=event["id"]).count() == 1
    assert await assert_ledger_consistent(user.id) == 130
    body = await gql("{ me { credits { minutesRemaining } } }", token=token)
    assert body["data"]["me"]["credits"]["minutesRemaining"] == 130


async def test_async_payment_out_of_order_grants_once(
    client: Any, gql: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    user, token = await make_user(minutes=0)
    session_id = await open_session(gql, token, "minutes_500")
    secret = settings.stripe_webhook_secret or ""
    succeeded = stripe_api.paid_event(session_id, "checkout.session.async_payment_succeeded")
    pending = stripe_api.paid_event(session_id, payment_status="unpaid")
    # Stripe does not guarantee order: the success arrives before `completed` (still unpaid).
    assert (await post_event(client, succeeded, secret)).json()["outcome"] == "granted"
    assert (await post_event(client, pending, secret)).json()["outcome"] == "recorded"
    # A `completed` reporting paid for the same session (another event id) adds nothing.
    late = stripe_api.paid_event(session_id)
    assert (await post_event(client, late, secret)).json()["outcome"] == "already granted"
    assert [r.minutes for r in await purchases(user.id)] == [500]
    assert await assert_ledger_consistent(user.id) == 500


async def test_unpaid_then_failed_async_payment_grants_nothing(
    client: Any, gql: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    user, token = await make_user(minutes=5)
    session_id = await open_session(gql, token)
    secret = settings.stripe_webhook_secret or ""
    pending = stripe_api.paid_event(session_id, payment_status="unpaid")
    failed = stripe_api.paid_event(
        session_id, "checkout.session.async_payment_failed", payment_status="unpaid"
    )
    for event in (pending, failed):
        resp = await post_event(client, event, secret)
        assert resp.status_code == 200 and resp.json()["outcome"] == "recorded"
    assert await purchases(user.id) == []
    assert await StripeEvent.filter(id__in=[pending["id"], failed["id"]]).count() == 2
    assert await assert_ledger_consistent(user.id) == 5


async def test_bad_signatures_get_400_and_change_nothing(
    client: Any, gql: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    user, token = await make_user(minutes=0)
    session_id = await open_session(gql, token)
    event = stripe_api.paid_event(session_id)
    secret = settings.stripe_webhook_secret or ""
    payload = json.dumps(event)
    tampered = payload.replace('"amount_total": 900', '"amount_total": 9')
    cases = {
        "wrong secret": {"header": sign(payload, "whsec_someone_else")},
        "tampered body": {"header": sign(payload, secret), "payload": tampered},
        "stale timestamp": {"timestamp": int(time.time()) - 3600},
        "no v1 signature": {"header": f"t={int(time.time())}"},
        "empty header": {"header": ""},
    }
    for name, kwargs in cases.items():
        resp = await post_event(client, event, secret, **kwargs)
        assert resp.status_code == 400, name
        assert resp.json() == {"error": "invalid signature"}, name
    assert await StripeEvent.filter(id=event["id"]).count() == 0
    assert await purchases(user.id) == []
    assert (await User.get(id=user.id)).minutes_balance == 0


async def test_unknown_event_types_are_acknowledged_and_ignored(
    client: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    user, _ = await make_user(minutes=3)
    event = make_event("customer.created", {"id": "cus_123", "object": "customer"})
    resp = await post_event(client, event, settings.stripe_webhook_secret or "")
    assert resp.status_code == 200 and resp.json()["outcome"] == "ignored"
    assert await StripeEvent.filter(id=event["id"]).count() == 0
    assert await assert_ledger_consistent(user.id) == 3


async def test_wrong_amount_or_currency_grants_nothing_and_is_logged(
    client: Any,
    gql: Any,
    make_user: Any,
    stripe_api: FakeStripe,
    settings: Settings,
    caplog: Any,
) -> None:
    user, token = await make_user(minutes=0)
    secret = settings.stripe_webhook_secret or ""
    cheap = stripe_api.paid_event(await open_session(gql, token), amount_total=100)
    foreign = stripe_api.paid_event(await open_session(gql, token), currency="jpy")
    with caplog.at_level(logging.ERROR, logger="clipforge.billing"):
        for event in (cheap, foreign):
            resp = await post_event(client, event, secret)
            assert resp.status_code == 200 and resp.json()["outcome"] == "recorded"
    assert sum("nothing granted" in r.getMessage() for r in caplog.records) == 2
    assert "paid 100 usd for pack minutes_100 priced 900 usd" in caplog.text
    assert await purchases(user.id) == []
    assert (await User.get(id=user.id)).minutes_balance == 0


async def test_unconfigured_webhook_secret_refuses(
    client: Any, settings: Settings, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "stripe_webhook_secret", None)
    event = make_event("checkout.session.completed", {"id": "cs_x"})
    resp = await post_event(client, event, "whsec_any")
    assert resp.status_code == 503
