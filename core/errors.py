"""Errors shared across packages: a user-fixable DomainError with a machine-readable code."""

from __future__ import annotations


class DomainError(Exception):
    """Raised by use cases for problems the user can fix; the API turns it into a UserError."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotAuthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__("UNAUTHENTICATED", "Sign in to do that.")


class Forbidden(DomainError):
    def __init__(self, message: str = "You are not allowed to do that.") -> None:
        super().__init__("FORBIDDEN", message)


class NotFound(DomainError):
    def __init__(self, what: str, field: str | None = "id") -> None:
        super().__init__("NOT_FOUND", f"No {what} with that id.", field)
