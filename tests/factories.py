"""Test data made through the real code paths."""

from __future__ import annotations

import uuid
from typing import Any

from orm.models import CreditTransaction, User
from orm.models.enums import CreditKind
from resolvers.auth.tokens import issue_access_token


async def create_user(
    email: str | None = None, *, minutes: int = 30, is_admin: bool = False
) -> tuple[User, str]:
    email = (email or f"user-{uuid.uuid4().hex[:10]}@example.com").lower()
    user = await User.create(email=email, is_admin=is_admin, minutes_balance=minutes)
    if minutes:
        await CreditTransaction.create(
            user=user,
            kind=CreditKind.GRANT,
            minutes=minutes,
            balance_after=minutes,
            reference=f"signup:{user.id}",
        )
    token, _ = issue_access_token(user)
    return user, token


def gid(type_name: str, pk: Any) -> str:
    from graphql_api.common.relay import to_global_id

    return str(to_global_id(type_name, pk))
