"""createCheckoutSession through the real stripe library against the local Stripe stand-in."""

from __future__ import annotations

from typing import Any

from core.config import CreditPack, Settings
from resolvers.viewer import Viewer
from tests.credits.helpers import CHECKOUT
from tests.servers.fake_stripe import FakeStripe


async def test_credit_packs_come_from_settings(
    gql: Any, settings: Settings, monkeypatch: Any
) -> None:
    monkeypatch.setattr(
        settings,
        "credit_packs",
        (CreditPack(id="tiny", minutes=10, price_cents=199, currency="eur"),),
    )
    body = await gql("{ creditPacks { id minutes priceCents currency } }")
    assert body["data"]["creditPacks"] == [
        {"id": "tiny", "minutes": 10, "priceCents": 199, "currency": "eur"}
    ]


async def test_checkout_session_sells_the_pack(
    gql: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings
) -> None:
    user, token = await make_user()
    body = await gql(CHECKOUT, {"pack": "minutes_500"}, token=token)
    payload = body["data"]["createCheckoutSession"]
    assert payload["errors"] == []
    session_id = payload["url"].rsplit("/", 1)[1]
    assert payload["url"] == f"https://checkout.stripe.com/c/pay/{session_id}"
    session = stripe_api.sessions[session_id]
    assert session["mode"] == "payment"
    assert session["amount_total"] == 3900 and session["currency"] == "usd"
    assert session["client_reference_id"] == str(user.id)
    assert session["metadata"]["pack_id"] == "minutes_500"
    assert session["success_url"] == settings.checkout_success_url
    assert session["cancel_url"] == settings.checkout_cancel_url
    sent = stripe_api.requests[-1]["params"]
    item = sent["line_items"][0]
    assert item["quantity"] == "1"
    assert item["price_data"]["unit_amount"] == "3900"
    assert "500 minutes" in item["price_data"]["product_data"]["name"]


async def test_unknown_pack_and_missing_configuration(
    gql: Any, make_user: Any, stripe_api: FakeStripe, settings: Settings, monkeypatch: Any
) -> None:
    _, token = await make_user()
    before = len(stripe_api.requests)
    body = await gql(CHECKOUT, {"pack": "minutes_1"}, token=token)
    assert body["data"]["createCheckoutSession"] == {
        "url": None,
        "errors": [
            {
                "code": "UNKNOWN_PACK",
                "field": "pack",
                "message": "There is no credit pack 'minutes_1'.",
            }
        ],
    }
    assert len(stripe_api.requests) == before
    monkeypatch.setattr(settings, "stripe_api_key", None)
    body = await gql(CHECKOUT, {"pack": "minutes_100"}, token=token)
    assert body["data"]["createCheckoutSession"]["errors"][0]["code"] == "BILLING_UNAVAILABLE"


async def test_stripe_failure_is_a_typed_error(
    gql: Any, make_user: Any, stripe_api: FakeStripe, monkeypatch: Any, settings: Settings
) -> None:
    _, token = await make_user()
    stripe_api.fail_next = 400
    body = await gql(CHECKOUT, {"pack": "minutes_100"}, token=token)
    assert body["data"]["createCheckoutSession"]["errors"][0]["code"] == "PAYMENT_PROVIDER_ERROR"
    monkeypatch.setattr(settings, "stripe_api_key", "sk_test_wrong")
    body = await gql(CHECKOUT, {"pack": "minutes_100"}, token=token)
    assert body["data"]["createCheckoutSession"]["errors"][0]["code"] == "PAYMENT_PROVIDER_ERROR"


async def test_checkout_needs_a_user_session(db: None, stripe_api: FakeStripe) -> None:
    import uuid

    from graphql_api.context import Context
    from graphql_api.schema import schema

    anonymous = await schema.execute(
        CHECKOUT,
        {"pack": "minutes_100"},
        context_value=Context(request=None),  # type: ignore[arg-type]
    )
    assert anonymous.data["createCheckoutSession"]["errors"][0]["code"] == "UNAUTHENTICATED"
    key = Viewer(user_id=uuid.uuid4(), scopes=frozenset({"WRITE_UPLOADS", "READ_CLIPS"}))
    partner = await schema.execute(
        CHECKOUT,
        {"pack": "minutes_100"},
        context_value=Context(request=None, viewer=key),  # type: ignore[arg-type]
    )
    assert partner.data["createCheckoutSession"]["errors"][0]["code"] == "FORBIDDEN"
