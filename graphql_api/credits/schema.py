"""Credit fields: packs for sale and Stripe Checkout."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.common.errors import UserError
from graphql_api.common.guard import mutation
from graphql_api.context import Info
from graphql_api.credits.types import CreditPack
from resolvers import billing
from resolvers.viewer import require


@strawberry.input
class CreateCheckoutSessionInput:
    pack: str


@strawberry.type
class CreateCheckoutSessionPayload:
    url: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _checkout(info: Info, input: CreateCheckoutSessionInput) -> dict[str, Any]:
    viewer = require(info.context.viewer, session_only=True)
    return {"url": await billing.create_checkout_session(viewer.user_id, input.pack)}


@strawberry.type
class Query:
    @strawberry.field(description="Credit packs for sale.")
    def credit_packs(self, info: Info) -> list[CreditPack]:
        return [
            CreditPack(id=p.id, minutes=p.minutes, price_cents=p.price_cents, currency=p.currency)
            for p in info.context.settings.credit_packs
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A Stripe Checkout page selling a credit pack.")
    async def create_checkout_session(
        self, info: Info, input: CreateCheckoutSessionInput
    ) -> CreateCheckoutSessionPayload:
        return await mutation(CreateCheckoutSessionPayload, lambda: _checkout(info, input))
