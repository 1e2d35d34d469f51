"""Account fields: me, sign up, log in, refresh, log out, API keys."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.accounts.types import ApiKeyType, Session, UserType
from graphql_api.common.errors import UserError
from graphql_api.context import Info
from orm.models.enums import ApiKeyScope
from resolvers import accounts as cases


@strawberry.input
class SignUpInput:
    email: str
    password: str


@strawberry.input
class LogInInput:
    email: str
    password: str


@strawberry.input
class CreateApiKeyInput:
    name: str
    scopes: list[ApiKeyScope]


@strawberry.type
class SessionPayload:
    session: Session | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogOutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKeyType | None = None
    secret: str | None = strawberry.field(default=None, description="Shown once.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKeyType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _session(tokens: cases.SessionTokens) -> SessionPayload:
    return SessionPayload(
        session=Session(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            user=UserType.from_model(tokens.user),
        )
    )


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> UserType:
        return UserType.from_model(await cases.me(info.context.viewer, info.context.loaders))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an account; answers with a session.")
    async def sign_up(self, info: Info, input: SignUpInput) -> SessionPayload:
        return _session(await cases.sign_up(input.email, input.password))

    @strawberry.mutation(
        description="INVALID_CREDENTIALS for an unknown email or a wrong password."
    )
    async def log_in(self, info: Info, input: LogInInput) -> SessionPayload:
        return _session(await cases.log_in(input.email, input.password))

    @strawberry.mutation(description="Trade a refresh token (once) for a new session pair.")
    async def refresh_session(self, info: Info, refresh_token: str) -> SessionPayload:
        return _session(await cases.refresh_session(refresh_token))

    @strawberry.mutation(description="End this session (its refresh and access tokens).")
    async def log_out(self, info: Info) -> LogOutPayload:
        await cases.log_out(info.context.viewer)
        return LogOutPayload(ok=True)

    @strawberry.mutation(description="A partner API key; its secret is shown only here.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        scopes = [ApiKeyScope(s).value for s in input.scopes]
        key, secret = await cases.create_api_key(info.context.viewer, input.name, scopes)
        return CreateApiKeyPayload(api_key=ApiKeyType.from_model(key), secret=secret)

    @strawberry.mutation(description="Revoke one of your API keys; it stops working at once.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> RevokeApiKeyPayload:
        key = await cases.revoke_api_key(info.context.viewer, id)
        return RevokeApiKeyPayload(api_key=ApiKeyType.from_model(key))
