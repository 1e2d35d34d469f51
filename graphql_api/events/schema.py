"""Live progress: the pipelineEvents subscription.

On subscribe the viewer first gets the current state of the upload(s) (`replay: true`),
then the live stream from the process's event hub. Events carry the per-user `seq`: a live
event already covered by the replayed state is skipped, and a jump tells the client that
it missed some (a slow client loses PROGRESS events first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from starlette.websockets import WebSocket

from core.event_hub import EventHub, SubscriberClosed
from core.metrics import WS_EVENTS_SENT
from core.pipeline import EventStatus, Stage
from graphql_api import enums  # noqa: F401 - registers the GraphQL enums
from graphql_api.common.relay import to_global_id
from graphql_api.context import Info
from graphql_api.events.hub import hub_for
from resolvers import events as cases
from resolvers.viewer import Viewer

if TYPE_CHECKING:
    from orm.models import Upload

log = logging.getLogger("clipforge.events")

CLOSE_TOKEN_EXPIRED = 4403
TOKEN_EXPIRED_REASON = "Access token expired"


def _gid(type_name: str, raw: Any) -> strawberry.ID | None:
    return to_global_id(type_name, raw) if raw else None


@strawberry.type(name="PipelineEvent")
class PipelineEventType:
    upload_id: strawberry.ID | None
    stage: Stage
    status: EventStatus
    progress: float = strawberry.field(description="0..1 within the stage.")
    message: str | None
    clip_id: strawberry.ID | None
    export_id: strawberry.ID | None
    at: datetime
    next_attempt_at: datetime | None = strawberry.field(
        default=None, description="RETRYING: when the next attempt starts."
    )
    seq: int | None = strawberry.field(
        default=None,
        description=(
            "Per-user sequence number, one more for each event published to the user: on a "
            "subscription to all uploads a jump means events were missed. Null for state read "
            "from the database."
        ),
    )
    upload_seq: int | None = strawberry.field(
        default=None,
        description=(
            "Per-upload sequence number: on a subscription to one upload a jump means events "
            "were missed."
        ),
    )
    replay: bool = strawberry.field(
        default=False, description="True for the current-state events sent first on subscribe."
    )

    @classmethod
    def from_event(cls, data: dict[str, Any], *, replay: bool = False) -> PipelineEventType:
        retry_at = data.get("next_attempt_at")
        return cls(
            upload_id=_gid("Upload", data.get("upload_id")),
            stage=Stage(data["stage"]),
            status=EventStatus(data["status"]),
            progress=float(data.get("progress") or 0.0),
            message=data.get("message"),
            clip_id=_gid("Clip", data.get("clip_id")),
            export_id=_gid("Export", data.get("export_id")),
            at=datetime.fromisoformat(data["at"]),
            next_attempt_at=datetime.fromisoformat(retry_at) if retry_at else None,
            seq=data.get("seq"),
            upload_seq=data.get("upload_seq"),
            replay=replay,
        )


async def _close_socket(websocket: Any, code: int, reason: str) -> None:
    """Close the subscriber's socket (all its operations), never waiting forever."""
    if not isinstance(websocket, WebSocket):
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code=code, reason=reason), timeout=10)


class _TokenExpired(Exception):
    pass


async def _next_live(sub: Any, viewer: Viewer) -> dict[str, Any]:
    """The next hub event, or _TokenExpired once the viewer's access token has expired."""
    expires = viewer.token_expires_at
    if expires is None:
        event: dict[str, Any] = await sub.get()
        return event
    remaining = expires - time.time()
    if remaining <= 0:
        raise _TokenExpired
    try:
        async with asyncio.timeout(remaining):
            event = await sub.get()
    except TimeoutError:
        raise _TokenExpired from None
    if time.time() >= expires:
        raise _TokenExpired
    return event


async def _stream(
    hub: EventHub,
    websocket: Any,
    viewer: Viewer,
    uploads: list[Upload],
    only: uuid.UUID | None,
) -> AsyncGenerator[PipelineEventType, None]:
    async def on_close(code: int, reason: str) -> None:
        await _close_socket(websocket, code, reason)

    # Join the live stream before reading the state, so nothing falls in between.
    sub = await hub.subscribe(str(viewer.user_id), on_close)
    hub.release_with(sub, asyncio.current_task())
    try:
        state = await cases.current_state(uploads)
        covered = max((e.get("seq") or 0 for e in state), default=0)
        for data in state:
            WS_EVENTS_SENT.inc()
            yield PipelineEventType.from_event(data, replay=True)
        while True:
            data = await _next_live(sub, viewer)
            if only is not None and data.get("upload_id") != str(only):
                continue
            seq = data.get("seq")
            if isinstance(seq, int) and seq <= covered:
                continue  # already part of the replayed state
            try:
                event = PipelineEventType.from_event(data)
            except (KeyError, ValueError, TypeError):
                log.warning("skipping a malformed event: %r", data)
                continue
            WS_EVENTS_SENT.inc()
            yield event
    except _TokenExpired:
        await hub.unsubscribe(sub)
        await _close_socket(websocket, CLOSE_TOKEN_EXPIRED, TOKEN_EXPIRED_REASON)
        await _until_cancelled()
    except SubscriberClosed:
        await _until_cancelled()  # the hub is closing the socket
    finally:
        await hub.unsubscribe(sub)


async def _until_cancelled() -> None:
    """The socket is closing: wait for the protocol handler to cancel this operation.

    Returning would make the handler send `complete` on a socket already closed.
    """
    await asyncio.Event().wait()


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "The signed-in user's pipeline events (all uploads, or one): the current state "
            "first (replay: true), then live events."
        )
    )
    async def pipeline_events(
        self, info: Info, upload_id: strawberry.ID | None = None
    ) -> AsyncGenerator[PipelineEventType, None]:
        # Checks run before the stream starts, so a refusal is the protocol's `error` message.
        uploads = await cases.watched_uploads(info.context.viewer, upload_id)
        only = uploads[0].id if upload_id else None
        viewer = info.context.viewer
        assert viewer is not None  # watched_uploads refuses anonymous callers
        request = info.context.request
        return _stream(hub_for(request), request, viewer, uploads, only)
