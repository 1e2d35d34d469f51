"""Where a socket finds its process's event hub: on the app's state, made on first use."""

from __future__ import annotations

from typing import Any

from core.config import Settings, get_settings
from core.event_hub import EventHub
from core.redis import redis_url


def make_hub(settings: Settings) -> EventHub:
    return EventHub(
        redis_url,  # read when the hub connects, so tests and the CLI may configure it late
        queue_size=settings.ws_queue_size,
        stuck_seconds=settings.ws_slow_consumer_seconds,
        shutdown_grace_seconds=settings.ws_shutdown_grace_seconds,
    )


_default: EventHub | None = None


def hub_for(request: Any) -> EventHub:
    """The hub of the app serving this request (one per process), or a process default."""
    global _default
    app = getattr(request, "scope", {}).get("app")
    state = getattr(app, "state", None)
    hub = getattr(state, "event_hub", None) if state is not None else None
    if isinstance(hub, EventHub):
        return hub
    if _default is None:
        _default = make_hub(get_settings())
    return _default
