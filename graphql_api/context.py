"""The per-request (per-socket for subscriptions) context: viewer, loaders, request info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

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
    extra: dict[str, Any] = field(default_factory=dict)

    def fresh_loaders(self) -> Loaders:
        """Subscriptions: a new set of loaders per event, so nothing is served stale."""
        self.loaders = Loaders()
        return self.loaders


Info = _Info[Context, None]
