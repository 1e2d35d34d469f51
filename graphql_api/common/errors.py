"""The one error path: how a DomainError raised by a use case reaches the client.

- Queries, nested fields, a subscription's set-up: a GraphQL error with `extensions.code`
  (and `field`). Nothing catches it: graphql-core copies `DomainError.extensions` onto the
  error it reports, at any depth.
- Mutations: an entry of the payload's `errors`, never an exception (`PayloadErrors`, which
  the schema assembly puts on every mutation).
- Queries by id: NOT_FOUND, which is also the answer for another user's id, reads as null
  (`NotFoundAsNull`).

Unexpected exceptions are masked by the schema (INTERNAL_SERVER_ERROR, or SERVICE_UNAVAILABLE
for a backing service that is down).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from core.errors import DomainError, DomainErrors, NotFound


@strawberry.type(description="A problem the user can fix; `code` is machine-readable.")
class UserError:
    code: str
    field: str | None
    message: str

    @classmethod
    def from_domain(cls, exc: DomainError) -> UserError:
        return cls(code=exc.code, field=exc.field, message=exc.message)

    @classmethod
    def all_from(cls, exc: DomainError) -> list[UserError]:
        """One entry per problem (a DomainErrors holds several)."""
        problems = exc.errors if isinstance(exc, DomainErrors) else (exc,)
        return [cls.from_domain(p) for p in problems]


class PayloadErrors(FieldExtension):
    """A mutation's DomainError becomes its payload with `errors` and nothing else set."""

    payload: Callable[..., Any]

    def apply(self, field: StrawberryField) -> None:
        definition = get_object_definition(field.type)
        names = {f.python_name for f in definition.fields} if definition else set()
        if definition is None or "errors" not in names:
            raise TypeError(f"mutation {field.python_name} must return a payload with `errors`")
        self.payload = definition.origin
        self.payload(errors=[])  # every other field has a default: fails at start-up, not later

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        try:
            return next_(source, info, **kwargs)
        except DomainError as exc:
            return self.payload(errors=UserError.all_from(exc))

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as exc:
            return self.payload(errors=UserError.all_from(exc))


class NotFoundAsNull(FieldExtension):
    """Queries by id: NOT_FOUND (and so another user's id) answers null; other problems stay
    coded errors."""

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except NotFound:
            return None
