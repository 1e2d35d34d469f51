"""Access tokens: JWT HS512 (authlib). Minimal single-key version; see the key ring for rotation."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from authlib.jose import JsonWebToken
from authlib.jose.errors import JoseError

from core.config import get_settings
from orm.models import User
from resolvers.viewer import Viewer

_jwt = JsonWebToken(["HS512"])


def issue_access_token(user: User) -> tuple[str, datetime]:
    settings = get_settings()
    now = int(time.time())
    exp = now + settings.access_token_ttl_seconds
    header = {"alg": "HS512", "kid": "default"}
    claims = {"sub": str(user.id), "iat": now, "exp": exp, "jti": uuid.uuid4().hex}
    token = _jwt.encode(header, claims, settings.secret_key.encode()).decode()
    return token, datetime.fromtimestamp(exp, UTC)


async def authenticate_bearer(token: str) -> Viewer | None:
    """The viewer for a bearer token, or None when it is not valid."""
    try:
        claims = _jwt.decode(token, get_settings().secret_key.encode())
        claims.validate()
        user_id = uuid.UUID(claims["sub"])
    except (JoseError, ValueError, KeyError, TypeError):
        return None
    user = await User.filter(id=user_id).first()
    if user is None:
        return None
    return Viewer(user_id=user.id, is_admin=user.is_admin, token_expires_at=float(claims["exp"]))
