"""The credit ledger (every balance change is a row) and processed Stripe events."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from orm.models.enums import CreditKind

if TYPE_CHECKING:
    from orm.models.accounts import User
    from orm.models.uploads import Upload


class CreditTransaction(Model):
    user_id: uuid.UUID
    upload_id: uuid.UUID | None
    refund_of_id: uuid.UUID | None
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="transactions", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CreditKind, max_length=20)
    minutes = fields.IntField()  # signed: + grant/purchase/refund, - charge
    balance_after = fields.IntField()
    # Unique: "signup:<user>", "upload:<id>:charge:<n>", "refund:<charge id>",
    # "stripe:<checkout session id>".
    reference = fields.CharField(max_length=255, unique=True)
    upload: fields.ForeignKeyNullableRelation[Upload] = fields.ForeignKeyField(
        "models.Upload", related_name="transactions", null=True, on_delete=fields.SET_NULL
    )
    refund_of: fields.OneToOneNullableRelation[CreditTransaction] = fields.OneToOneField(
        "models.CreditTransaction", related_name="refund", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "credit_transactions"
        indexes = (("user_id", "created_at"),)


class StripeEvent(Model):
    id = fields.CharField(max_length=255, primary_key=True)
    type = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stripe_events"
