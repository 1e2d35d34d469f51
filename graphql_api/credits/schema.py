"""Credit fields: packs for sale and Stripe Checkout."""

from __future__ import annotations

import strawberry

from graphql_api.common.errors import UserError
from graphql_api.context import Info
from graphql_api.credits.types import CreditPack
from resolvers import billing


@strawberry.input
class CreateCheckoutSessionInput:
    pack: str


@strawberry.type
class CreateCheckoutSessionPayload:
    url: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


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
        url = await billing.create_checkout_session(info.context.viewer, input.pack)
        return CreateCheckoutSessionPayload(url=url)
