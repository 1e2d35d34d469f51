"""Access tokens: short-lived JWTs signed HS512 by the key ring, and bearer authentication.

JOSE comes from joserfc, the library authlib itself delegates to (authlib.jose is deprecated
in its favour). Verification is deliberately narrow: exactly HS512, a known header shape, a
`kid` that is in the ring and not retired, and every claim we issue present and valid.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry

from core.config import get_settings
from core.redis import get_redis
from orm.models import User
from resolvers.auth import api_keys
from resolvers.auth.keyring import load_ring, signing_key
from resolvers.viewer import Viewer

log = logging.getLogger("clipforge.auth")

ALGORITHM = "HS512"
ISSUER = "clipforge"
ALLOWED_HEADER = {"alg", "kid", "typ"}
MAX_TOKEN_LENGTH = 4096
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    expires_at: int
    session_id: uuid.UUID | None
    jti: str
    kid: str


def issue_access_token(
    user: User, *, session_id: uuid.UUID | None = None, now: float | None = None
) -> tuple[str, datetime]:
    """A signed access token for the user, and when it expires."""
    settings = get_settings()
    issued = int(now if now is not None else time.time())
    exp = issued + settings.access_token_ttl_seconds
    key = signing_key(datetime.fromtimestamp(issued, UTC))
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": str(user.id),
        "iat": issued,
        "exp": exp,
        "jti": uuid.uuid4().hex,
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}
    token = jwt.encode(header, claims, _oct_key(key.secret), algorithms=[ALGORITHM])
    return token, datetime.fromtimestamp(exp, UTC)


@functools.lru_cache(maxsize=16)
def _oct_key(secret: bytes) -> OctKey:
    """A ring key as joserfc's key object, imported once per secret instead of per token."""
    return OctKey.import_key(secret)


def decode_access_token(token: str, *, now: float | None = None) -> AccessClaims | None:
    """The verified claims, or None for anything forged, expired, retired or malformed."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    at = now if now is not None else time.time()
    try:
        header = jws.extract_compact(token.encode()).protected
        if header.get("alg") != ALGORITHM or not set(header) <= ALLOWED_HEADER:
            return None
        kid = header.get("kid")
        if not isinstance(kid, str):
            return None
        key = load_ring().verifier(kid, datetime.fromtimestamp(at, UTC))
        if key is None:
            return None
        decoded = jwt.decode(token, _oct_key(key.secret), algorithms=[ALGORITHM])
        registry = JWTClaimsRegistry(
            now=int(at),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": ISSUER},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
        )
        registry.validate(decoded.claims)
        claims = decoded.claims
        sid = claims.get("sid")
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            expires_at=int(claims["exp"]),
            session_id=uuid.UUID(sid) if sid is not None else None,
            jti=str(claims["jti"]),
            kid=kid,
        )
    except (JoseError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _revoked_key(session_id: uuid.UUID) -> str:
    return f"auth:revoked-session:{session_id}"


async def revoke_session_tokens(session_id: uuid.UUID) -> None:
    """Access tokens of a logged-out (or compromised) session stop working before they
    expire: the mark lives as long as any token of the session could."""
    ttl = get_settings().access_token_ttl_seconds + LEEWAY_SECONDS + 1
    try:
        await get_redis().set(_revoked_key(session_id), b"1", ex=ttl)
    except Exception:  # Redis down: the refresh tokens are revoked in Postgres anyway.
        log.warning("could not mark session %s revoked in Redis", session_id, exc_info=True)


async def _session_revoked(session_id: uuid.UUID) -> bool:
    try:
        return bool(await get_redis().exists(_revoked_key(session_id)))
    except Exception:
        log.warning("could not check session revocation in Redis", exc_info=True)
        return False


@dataclass(frozen=True)
class Authenticated:
    """Who a bearer token names, and the user row read to check it (None for an API key): an
    HTTP request's loaders start with that row, so reading the user costs no second query."""

    viewer: Viewer
    user: User | None = None


async def authenticate_bearer(token: str) -> Authenticated | None:
    """Who a bearer token (an access token or a partner API key) names, or None."""
    if api_keys.looks_like_api_key(token):
        key_viewer = await api_keys.authenticate(token)
        return Authenticated(key_viewer) if key_viewer else None
    claims = decode_access_token(token)
    if claims is None:
        return None
    if claims.session_id is not None and await _session_revoked(claims.session_id):
        return None
    user = await User.filter(id=claims.user_id).first()
    if user is None:
        return None
    viewer = Viewer(
        user_id=user.id,
        is_admin=user.is_admin,
        token_expires_at=float(claims.expires_at),
        session_id=claims.session_id,
    )
    return Authenticated(viewer, user)
