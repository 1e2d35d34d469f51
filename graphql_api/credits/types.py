"""Credit types: the balance, the ledger, the packs for sale."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from graphql_api.common.relay import Connection, Node, make_connection, to_global_id
from graphql_api.context import Info
from orm.models.enums import CreditKind
from resolvers import credits as credit_cases

if TYPE_CHECKING:
    from orm.models import CreditTransaction


@strawberry.type(name="CreditTransaction")
class CreditTransactionType(Node):
    kind: CreditKind
    minutes: int
    balance_after: int
    reference: str
    created_at: datetime

    @classmethod
    def from_model(cls, tx: CreditTransaction) -> CreditTransactionType:
        return cls(
            id=to_global_id("CreditTransaction", tx.id),
            kind=CreditKind(tx.kind),
            minutes=tx.minutes,
            balance_after=tx.balance_after,
            reference=tx.reference,
            created_at=tx.created_at,
        )


@strawberry.type
class Credits:
    user_pk: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def minutes_remaining(self, info: Info) -> int:
        user = await info.context.loaders.user.load(self.user_pk)
        return user.minutes_balance if user else 0

    @strawberry.field
    async def transactions(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[CreditTransactionType]:
        page = await credit_cases.transactions_page(self.user_pk, first, after)
        return make_connection(page, CreditTransactionType.from_model)


@strawberry.type
class CreditPack:
    id: str
    minutes: int
    price_cents: int
    currency: str
