"""Who is asking: a signed-in user (session) or a partner API key with scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import Forbidden, NotAuthenticated

ALL_SCOPES = frozenset({"READ_CLIPS", "WRITE_UPLOADS"})


@dataclass(frozen=True)
class Viewer:
    user_id: uuid.UUID
    is_admin: bool = False
    # None: a full user session. A set: a partner API key limited to those scopes.
    scopes: frozenset[str] | None = None
    api_key_id: uuid.UUID | None = None
    token_expires_at: float | None = None
    # The refresh-token family this access token belongs to (what logOut revokes).
    session_id: uuid.UUID | None = None

    @property
    def is_api_key(self) -> bool:
        return self.scopes is not None

    def allows(self, scope: str | None) -> bool:
        return self.scopes is None or (scope is not None and scope in self.scopes)


def require(
    viewer: Viewer | None, scope: str | None = None, *, session_only: bool = False
) -> Viewer:
    """The viewer, or a DomainError: UNAUTHENTICATED, or FORBIDDEN for a missing scope."""
    if viewer is None:
        raise NotAuthenticated()
    if session_only and viewer.is_api_key:
        raise Forbidden("API keys cannot do that; sign in as the user.")
    if not viewer.allows(scope):
        raise Forbidden(f"This API key lacks the {scope} scope.")
    return viewer


def require_admin(viewer: Viewer | None) -> Viewer:
    viewer = require(viewer, session_only=True)
    if not viewer.is_admin:
        raise Forbidden("Administrators only.")
    return viewer
