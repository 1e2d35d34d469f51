"""Account use cases: sign up, log in, sessions (refresh, log out), API keys, OAuth users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.config import get_settings
from core.errors import DomainError, Forbidden, NotAuthenticated, NotFound
from orm import ledger
from orm.models import ApiKey, OAuthIdentity, User
from resolvers.auth import api_keys, refresh
from resolvers.auth.emails import normalise_email
from resolvers.auth.passwords import check_strength, hash_password, verify_password
from resolvers.auth.tokens import issue_access_token, revoke_session_tokens
from resolvers.dataloaders import Loaders
from resolvers.ids import decode_uuid
from resolvers.viewer import ALL_SCOPES, MANAGE_WEBHOOKS, Viewer, require

MAX_KEY_NAME = 100


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__("EMAIL_TAKEN", "An account with that email already exists.", "email")


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__("INVALID_CREDENTIALS", "Wrong email or password.")


@dataclass(frozen=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: User


async def start_session(user: User) -> SessionTokens:
    """A new session family: a refresh token and an access token bound to it."""
    refresh_token, family = await refresh.issue(user.id)
    access_token, expires_at = issue_access_token(user, session_id=family)
    return SessionTokens(access_token, refresh_token, expires_at, user)


async def create_user(email: str, password_hash: str | None) -> User:
    """The user row and its sign-up grant in one transaction (balance = ledger, always)."""
    settings = get_settings()
    try:
        async with in_transaction() as conn:
            user = await User.create(
                email=email,
                password_hash=password_hash,
                is_admin=email in settings.admin_emails,
                using_db=conn,
            )
            if settings.signup_grant_minutes > 0:
                await ledger.grant(user.id, settings.signup_grant_minutes, f"signup:{user.id}")
    except IntegrityError:
        raise EmailTaken() from None
    return await User.get(id=user.id)


async def sign_up(email: str, password: str) -> SessionTokens:
    email = normalise_email(email)
    check_strength(password, email)
    if await User.exists(email=email):
        raise EmailTaken()
    user = await create_user(email, await hash_password(password))
    return await start_session(user)


async def log_in(email: str, password: str) -> SessionTokens:
    """The same answer, after the same work, for an unknown email and a wrong password."""
    try:
        email = normalise_email(email)
    except DomainError:
        email = ""
    user = await User.filter(email=email).first() if email else None
    ok, needs_rehash = await verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        raise InvalidCredentials()
    if needs_rehash:
        user.password_hash = await hash_password(password)
        await user.save(update_fields=["password_hash"])
    return await start_session(user)


async def refresh_session(refresh_token: str) -> SessionTokens:
    rotated = await refresh.rotate(refresh_token)
    user = await User.get_or_none(id=rotated.user_id)
    if user is None:
        raise refresh.InvalidRefreshToken()
    access_token, expires_at = issue_access_token(user, session_id=rotated.family)
    return SessionTokens(access_token, rotated.secret, expires_at, user)


def refuse_api_keys(viewer: Viewer | None) -> None:
    """Account fields (email, role, credits) never reach an API key (a MANAGE_WEBHOOKS key
    gets `me` for its webhooks); sessions read them, as does the payload of signUp/logIn."""
    if viewer is not None and viewer.is_api_key:
        raise Forbidden("API keys cannot do that; sign in as the user.")


async def me(viewer: Viewer | None, loaders: Loaders) -> User:
    """The signed-in user, read through the request's loader (nested fields reuse the row).

    A key with MANAGE_WEBHOOKS reaches it for `me { webhooks }`; the account's own fields
    stay session-only (refuse_api_keys)."""
    viewer = require(viewer, MANAGE_WEBHOOKS)
    user = await loaders.user.load(viewer.user_id)
    if user is None:  # deleted since its token was issued
        raise NotAuthenticated()
    return user


async def own_user(viewer: Viewer | None, user_gid: str, loaders: Loaders) -> User:
    """`node(id:)` of a User: only the viewer's own (NOT_FOUND for anyone else's)."""
    if require(viewer).user_id != decode_uuid(user_gid, "User"):
        raise NotFound("object")
    return await me(viewer, loaders)


async def log_out(viewer: Viewer | None) -> None:
    """End the caller's session: its refresh tokens and its access tokens stop working."""
    viewer = require(viewer)
    if viewer.session_id is not None:
        await refresh.revoke_family(viewer.session_id)
        await revoke_session_tokens(viewer.session_id)


async def create_api_key(viewer: Viewer | None, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    viewer = require(viewer)
    name = name.strip()
    if not name or len(name) > MAX_KEY_NAME:
        raise DomainError("INVALID_NAME", f"Name the key (1 to {MAX_KEY_NAME} characters).", "name")
    wanted = sorted(set(scopes))
    if not wanted:
        raise DomainError("INVALID_SCOPES", "Give the key at least one scope.", "scopes")
    if not set(wanted) <= ALL_SCOPES:
        raise DomainError("INVALID_SCOPES", "Unknown scope.", "scopes")
    return await api_keys.create_api_key(viewer.user_id, name, wanted)


async def user_api_keys(viewer: Viewer | None) -> list[ApiKey]:
    viewer = require(viewer)
    return await ApiKey.filter(user_id=viewer.user_id, revoked_at__isnull=True).order_by(
        "-created_at"
    )


async def revoke_api_key(viewer: Viewer | None, key_gid: str) -> ApiKey:
    user_id = require(viewer).user_id
    key_id = decode_uuid(key_gid, "ApiKey")
    key = await ApiKey.filter(id=key_id, user_id=user_id, revoked_at__isnull=True).first()
    if key is None:
        raise NotFound("API key")
    key.revoked_at = datetime.now(UTC)
    await key.save(update_fields=["revoked_at"])
    return key


async def oauth_user(provider: str, subject: str, email: str | None, verified: bool) -> User:
    """The user behind an OAuth identity: linked before, linked now by a verified email, or
    created. An unverified email never links to an existing account (account takeover)."""
    identity = await OAuthIdentity.filter(provider=provider, subject=subject).first()
    if identity is not None:
        return await User.get(id=identity.user_id)
    if not email or not verified:
        raise DomainError("OAUTH_EMAIL_REQUIRED", "The provider did not share a verified email.")
    email = normalise_email(email)
    user = await User.filter(email=email).first()
    if user is None:
        try:
            user = await create_user(email, None)
        except EmailTaken:  # created concurrently
            user = await User.get(email=email)
    try:
        await OAuthIdentity.create(user_id=user.id, provider=provider, subject=subject)
    except IntegrityError:  # the same identity linked concurrently
        identity = await OAuthIdentity.get(provider=provider, subject=subject)
        return await User.get(id=identity.user_id)
    return user


async def make_admin(email: str) -> User:
    """Give an existing user the admin role (the `clipforge users make-admin` command)."""
    user = await User.filter(email=normalise_email(email)).first()
    if user is None:
        raise DomainError("NOT_FOUND", "No user with that email.", "email")
    if not user.is_admin:
        user.is_admin = True
        await user.save(update_fields=["is_admin"])
    return user
