"""Account fields: me, sign up, log in, refresh, log out, API keys."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from graphql_api.accounts.types import ApiKeyType, Session, UserType
from graphql_api.common.errors import UserError, not_implemented
from graphql_api.common.guard import query
from graphql_api.context import Info
from orm.models.enums import ApiKeyScope
from resolvers.viewer import require


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


async def _me(info: Info) -> UserType:
    viewer = require(info.context.viewer)
    user = await info.context.loaders.user.load(viewer.user_id)
    assert user is not None
    return UserType.from_model(user)


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> UserType:
        return await query(_me(info))


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def sign_up(self, info: Info, input: SignUpInput) -> SessionPayload:
        return SessionPayload(errors=not_implemented("signUp"))

    @strawberry.mutation
    async def log_in(self, info: Info, input: LogInInput) -> SessionPayload:
        return SessionPayload(errors=not_implemented("logIn"))

    @strawberry.mutation
    async def refresh_session(self, info: Info, refresh_token: str) -> SessionPayload:
        return SessionPayload(errors=not_implemented("refreshSession"))

    @strawberry.mutation
    async def log_out(self, info: Info) -> LogOutPayload:
        return LogOutPayload(errors=not_implemented("logOut"))

    @strawberry.mutation
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        return CreateApiKeyPayload(errors=not_implemented("createApiKey"))
