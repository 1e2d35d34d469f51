"""The ASGI app: GraphQL over HTTP and WebSocket at /graphql, health, storage, webhooks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from core.config import Settings, check_for_start, get_settings
from core.redis import close_redis
from core.storage.factory import close_store, get_store
from graphql_api.auth import connection_viewer, request_user, request_viewer
from graphql_api.client_ip import scope_client_ip
from graphql_api.context import Context
from graphql_api.events.hub import make_hub
from graphql_api.events.ws import LegacyWSHandler, transport_handler
from graphql_api.health import healthz, readyz
from graphql_api.metrics import MetricsMiddleware
from graphql_api.persisted_queries import PersistedQueriesView
from graphql_api.ratelimit import RateLimiter, RateLimitMiddleware
from graphql_api.request_id import RequestIdMiddleware
from graphql_api.schema import schema
from graphql_api.storage_routes import routes as storage_routes
from orm.database import close_db, init_db


class ClipforgeGraphQL(PersistedQueriesView[Context, None]):
    """Strawberry's ASGI view with our context (auth resolved once per request/socket)."""

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | None = None
    ) -> Context:
        viewer = await request_viewer(request.scope)  # the rate limiter's, for HTTP
        client = scope_client_ip(request.scope)
        context = Context(request=request, response=response, viewer=viewer, client_ip=client)
        if isinstance(request, Request) and (user := request_user(request.scope)) is not None:
            context.loaders.user.prime(user.id, user)  # a socket's row would go stale: HTTP only
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """connection_init: a `token` or `Authorization` entry (or the upgrade's header)."""
        context.viewer = await connection_viewer(context.connection_params or {}, context.viewer)
        if context.viewer is None:
            raise ConnectionRejectionError({"message": "Sign in: a valid access token is needed."})
        return UNSET


def graphql_app(settings: Settings) -> ClipforgeGraphQL:
    view = ClipforgeGraphQL(
        schema,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        keep_alive=settings.ws_keep_alive_seconds > 0,
        keep_alive_interval=settings.ws_keep_alive_seconds,
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
    )
    view.graphql_transport_ws_handler_class = transport_handler(settings.ws_keep_alive_seconds)
    view.graphql_ws_handler_class = LegacyWSHandler
    return view


def extra_routes(settings: Settings) -> list[BaseRoute]:
    """Routes owned by other modules (storage, webhooks, auth, admin)."""
    routes: list[BaseRoute] = [*storage_routes]
    from graphql_api.admin.page import routes as admin_routes
    from graphql_api.metrics import metrics_endpoint
    from graphql_api.webhooks import routes as webhook_routes

    routes += [*admin_routes, Route("/metrics", metrics_endpoint, methods=["GET"])]
    if settings.graphiql_enabled:
        from graphql_api.ide.page import routes as ide_routes

        routes += ide_routes  # GraphiQL's files, served from this origin
    routes += webhook_routes
    from graphql_api.oauth_routes import routes as oauth_routes

    routes += oauth_routes(settings)  # /auth/{provider}/login and /callback
    return routes


def create_app(settings: Settings | None = None, *, manage_connections: bool = True) -> Starlette:
    """`manage_connections=False` when the caller (tests) already initialised Tortoise.

    Refuses unsafe production settings (core.config.check_for_start) before anything starts.
    """
    settings = settings or get_settings()
    check_for_start(settings)
    gql = graphql_app(settings)
    hub = make_hub(settings)  # live events: one pub/sub connection, opened on first use

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_connections:
            await init_db()
            await get_store().ensure_bucket()
        try:
            yield
        finally:
            await hub.stop()  # closes remaining subscribers' sockets (1012), bounded
            if manage_connections:
                await close_store()
                await close_redis()
                await close_db()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", gql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", gql),
        *extra_routes(settings),
    ]
    # Outermost first: the request id is set before the metrics middleware logs anything.
    limiter = RateLimiter(settings.rate_limit_per_minute)
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(MetricsMiddleware),
        Middleware(RateLimitMiddleware, limiter=limiter),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.event_hub = hub
    app.state.rate_limiter = limiter
    return app
