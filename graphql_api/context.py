"""The per-request context (viewer, loaders, request info), and fresh loaders wherever one
context would otherwise serve many operations."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types import Info as _Info
from strawberry.types import StreamExecutionResult

from core.config import Settings, get_settings
from resolvers.dataloaders import Loaders
from resolvers.viewer import Viewer


@dataclass
class Context:
    request: Request | WebSocket
    response: Any = None
    viewer: Viewer | None = None
    settings: Settings = field(default_factory=get_settings)
    loaders: Loaders = field(default_factory=Loaders)
    client_ip: str | None = None
    connection_params: dict[str, Any] | None = None  # WebSocket connection_init payload


Info = _Info[Context, None]


class FreshLoaders(SchemaExtension):
    """DataLoaders cache rows, so they must not outlive what they answer. An HTTP request
    has its own Context; a WebSocket's Context is made once for the connection, so each of
    its operations gets a copy with new loaders, and a subscription new ones per event."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and isinstance(context.request, WebSocket):
            self.execution_context.context = dataclasses.replace(context, loaders=Loaders())
        yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.loaders = Loaders()  # the next event reads the database afresh
        yield
