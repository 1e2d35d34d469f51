"""Who is asking: a signed-in user (session) or a partner API key with scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import Forbidden, NotAuthenticated

READ_CLIPS = "READ_CLIPS"
WRITE_UPLOADS = "WRITE_UPLOADS"
MANAGE_WEBHOOKS = "MANAGE_WEBHOOKS"
ALL_SCOPES = frozenset({READ_CLIPS, WRITE_UPLOADS, MANAGE_WEBHOOKS})


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


def require(viewer: Viewer | None, scope: str | None = None) -> Viewer:
    """The viewer, or a DomainError: UNAUTHENTICATED, or FORBIDDEN for an API key without
    `scope`. Without a scope, only a user's own session may act (never an API key)."""
    if viewer is None:
        raise NotAuthenticated()
    if viewer.allows(scope):
        return viewer
    if scope is None:
        raise Forbidden("API keys cannot do that; sign in as the user.")
    raise Forbidden(f"This API key lacks the {scope} scope.")


def require_admin(viewer: Viewer | None) -> Viewer:
    viewer = require(viewer)
    if not viewer.is_admin:
        raise Forbidden("Administrators only.")
    return viewer
