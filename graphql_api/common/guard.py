"""Turning DomainErrors into what the client sees: payload errors or coded GraphQL errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import GraphQLError

from core.errors import DomainError, NotFound
from graphql_api.common.errors import UserError, from_domain

P = TypeVar("P")
R = TypeVar("R")


def coded_error(exc: DomainError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code, "field": exc.field})


async def query_or_null(call: Awaitable[R]) -> R | None:
    """Queries by id: NOT_FOUND (and foreign ids) read as null; other problems as coded errors."""
    try:
        return await call
    except NotFound:
        return None
    except DomainError as exc:
        raise coded_error(exc) from None


async def query(call: Awaitable[R]) -> R:
    try:
        return await call
    except DomainError as exc:
        raise coded_error(exc) from None


async def mutation(payload: Callable[..., P], call: Callable[[], Awaitable[dict[str, Any]]]) -> P:
    """Run a use case; its DomainError becomes `errors` in the payload, never an exception."""
    try:
        fields = await call()
    except DomainError as exc:
        errors: list[UserError] = [from_domain(exc)]
        return payload(errors=errors)
    return payload(errors=[], **fields)
