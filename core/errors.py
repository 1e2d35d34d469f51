"""Errors shared across packages: a user-fixable DomainError with a machine-readable code.

A DomainError carries its GraphQL `extensions` (code and field): graphql-core copies an
exception's `extensions` onto the error it reports, so a DomainError raised by any resolver,
at any depth, reaches the client coded without being caught and translated on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict


class ErrorExtensions(TypedDict):
    """What a coded GraphQL error carries, and what a payload's `errors` entry holds."""

    code: str
    field: str | None


class DomainError(Exception):
    """Raised by use cases for problems the user can fix; the API turns it into a UserError."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def extensions(self) -> ErrorExtensions:
        return {"code": self.code, "field": self.field}


class DomainErrors(DomainError):
    """Several problems found at once (every invalid field of an input): a mutation's payload
    lists each; anywhere else the first one stands for all."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        if not errors:
            raise ValueError("DomainErrors needs at least one error")
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.errors = tuple(errors)


class NotAuthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__("UNAUTHENTICATED", "Sign in to do that.")


class Forbidden(DomainError):
    def __init__(self, message: str = "You are not allowed to do that.") -> None:
        super().__init__("FORBIDDEN", message)


class NotFound(DomainError):
    def __init__(self, what: str, field: str | None = "id") -> None:
        super().__init__("NOT_FOUND", f"No {what} with that id.", field)


class ServiceUnavailable(DomainError):
    """A backing service (database, job queue, storage) cannot be reached just now: the client
    calls again later. Outages the use cases do not catch get the same code and message."""

    CODE = "SERVICE_UNAVAILABLE"
    MESSAGE = "The service is temporarily unavailable. Please try again in a moment."

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(self.CODE, message)
