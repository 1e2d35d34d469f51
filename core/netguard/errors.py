"""Refusals of the outbound-request guard, as user-fixable errors with a code and a field."""

from __future__ import annotations

from core.errors import DomainError


class UrlNotAllowed(DomainError):
    """The link may not be fetched: bad scheme, credentials in it, or a refused address.

    The api answers it at once (field ``url``); the worker fails the import with its code.
    """

    def __init__(self, message: str, field: str | None = "url") -> None:
        super().__init__("URL_NOT_ALLOWED", message, field)


class HostNotFound(DomainError):
    """The host name does not resolve (now): the user may have mistyped it, or DNS is down."""

    def __init__(self, host: str, field: str | None = "url") -> None:
        super().__init__("HOST_NOT_FOUND", f"The host {host} could not be found.", field)
        self.host = host
