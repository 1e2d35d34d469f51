"""Who is calling: the one place that reads credentials and turns them into a Viewer.

HTTP requests and WebSocket upgrades carry `Authorization: Bearer <token>`; a WebSocket may
instead send the token in its connection_init payload (`token`, or an `Authorization` entry,
since browsers cannot set headers on a WebSocket). The token is an access token or a partner
API key (resolvers.auth.tokens). A request is authenticated once: the rate limiter asks
first, the GraphQL context reuses the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from resolvers.auth.tokens import Authenticated, authenticate_bearer
from resolvers.viewer import Viewer

if TYPE_CHECKING:
    from orm.models import User

VIEWER_KEY = "clipforge.viewer"  # in scope["state"]: the request's viewer, once known
USER_KEY = "clipforge.user"  # in scope["state"]: the user row read to authenticate it


def bearer_token(authorization: str | None) -> str | None:
    """The token of an Authorization value `Bearer <token>` (any case), else None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


async def authenticate(token: str | None) -> Authenticated | None:
    return await authenticate_bearer(token) if token else None


def _authorization_header(scope: Mapping[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return None


async def request_viewer(scope: MutableMapping[str, Any]) -> Viewer | None:
    """The viewer of an HTTP request or WebSocket upgrade (None: anonymous or a bad token)."""
    state = scope.setdefault("state", {})
    if VIEWER_KEY not in state:
        found = await authenticate(bearer_token(_authorization_header(scope)))
        state[VIEWER_KEY] = found.viewer if found else None
        state[USER_KEY] = found.user if found else None
    viewer: Viewer | None = state[VIEWER_KEY]
    return viewer


def request_user(scope: Mapping[str, Any]) -> User | None:
    """The user row read while authenticating this request (after request_viewer), if any."""
    user: User | None = scope.get("state", {}).get(USER_KEY)
    return user


def connection_token(params: Mapping[str, object]) -> str | None:
    """A WebSocket connection_init payload's token: `token`, or `Authorization: Bearer`."""
    token = params.get("token")
    if isinstance(token, str) and token:
        return token
    for key, value in params.items():
        if key.lower() == "authorization" and isinstance(value, str):
            return bearer_token(value)
    return None


async def connection_viewer(
    params: Mapping[str, object], upgrade_viewer: Viewer | None
) -> Viewer | None:
    """The viewer of a WebSocket: the connection_init token when one is sent (a bad one
    signs nobody in), else whoever the upgrade request's header authenticated."""
    token = connection_token(params)
    if not token:
        return upgrade_viewer
    found = await authenticate(token)
    return found.viewer if found else None
