"""The typed error model: user-fixable problems are payload `errors`, never exceptions."""

from __future__ import annotations

import strawberry

from core.errors import DomainError


@strawberry.type(description="A problem the user can fix; `code` is machine-readable.")
class UserError:
    code: str
    field: str | None
    message: str


def user_error(code: str, message: str, field: str | None = None) -> UserError:
    return UserError(code=code, field=field, message=message)


def from_domain(exc: DomainError) -> UserError:
    return UserError(code=exc.code, field=exc.field, message=exc.message)
