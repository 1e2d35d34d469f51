"""Account types: the user, a session, partner API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_api.common.relay import Node, to_global_id
from graphql_api.context import Info
from orm.models.enums import ApiKeyScope
from resolvers import accounts as account_cases

if TYPE_CHECKING:
    from graphql_api.credits.types import Credits
    from graphql_api.webhook_endpoints.types import WebhookType
    from orm.models import ApiKey, User


@strawberry.type(name="User")
class UserType(Node):
    _email: strawberry.Private[str]
    _is_admin: strawberry.Private[bool]
    _pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, user: User) -> UserType:
        return cls(
            id=to_global_id("User", user.id),
            _email=user.email,
            _is_admin=user.is_admin,
            _pk=user.id,
        )

    @strawberry.field
    def email(self, info: Info) -> str:
        account_cases.refuse_api_keys(info.context.viewer)
        return self._email

    @strawberry.field
    def is_admin(self, info: Info) -> bool:
        account_cases.refuse_api_keys(info.context.viewer)
        return self._is_admin

    @strawberry.field(description="The user's minutes of processing credit.")
    def credits(
        self, info: Info
    ) -> Annotated[Credits, strawberry.lazy("graphql_api.credits.types")]:
        from graphql_api.credits.types import Credits

        account_cases.refuse_api_keys(info.context.viewer)
        return Credits(user_pk=self._pk)

    @strawberry.field(description="Your partner API keys that still work, newest first.")
    async def api_keys(self, info: Info) -> list[ApiKeyType]:
        keys = await account_cases.user_api_keys(info.context.viewer)
        return [ApiKeyType.from_model(k) for k in keys if k.user_id == self._pk]

    @strawberry.field(description="Your webhook endpoints, newest first (MANAGE_WEBHOOKS).")
    async def webhooks(
        self, info: Info
    ) -> list[Annotated[WebhookType, strawberry.lazy("graphql_api.webhook_endpoints.types")]]:
        from graphql_api.webhook_endpoints.types import WebhookType
        from resolvers import webhook_endpoints

        hooks = await webhook_endpoints.user_webhooks(info.context.viewer)
        return [WebhookType.from_model(h) for h in hooks if h.user_id == self._pk]


@strawberry.type
class Session:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: UserType


@strawberry.type(name="ApiKey")
class ApiKeyType(Node):
    name: str
    prefix: str
    scopes: list[ApiKeyScope]
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def from_model(cls, key: ApiKey) -> ApiKeyType:
        return cls(
            id=to_global_id("ApiKey", key.id),
            name=key.name,
            prefix=key.prefix,
            scopes=[ApiKeyScope(s) for s in key.scopes],
            created_at=key.created_at,
            last_used_at=key.last_used_at,
        )
