"""The second baseline: a bare Strawberry app answering the same three documents.

Strawberry's ASGI view as it ships (no extensions, caches, auth, limits, metrics or ORM)
on the same uvicorn, reading the same rows from the same PostgreSQL with the same SQL as
bench/baseline_app.py (asyncpg, pool of 5), and signing URLs with the same store code.
The load sends it the contract's very documents, so the difference to Clipforge is the
project's own per-request work, and the difference to the Starlette baseline is the
GraphQL layer itself. Like the Starlette baseline it reads the user id from the token's
claims without checking the signature.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from enum import Enum
from typing import Any

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from strawberry.asgi import GraphQL

from bench import baseline_app as sql
from bench.baseline_app import CLIPS_OF, cursor, gid, healthz, url


@strawberry.enum
class UploadStatus(Enum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    QUEUED = "QUEUED"
    TRANSCRIBING = "TRANSCRIBING"
    CLIPPING = "CLIPPING"
    CAPTIONING = "CAPTIONING"
    READY = "READY"
    FAILED = "FAILED"


@strawberry.type
class Credits:
    minutes_remaining: int


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    credits: Credits


@strawberry.type
class Transcript:
    language: str | None
    text: str
    srt_url: str | None
    vtt_url: str | None
    json_url: str | None


@strawberry.type
class ClipOptions:
    min_seconds: float
    max_seconds: float
    count: int | None
    prompt: str | None
    language: str | None


@strawberry.type
class ScorePart:
    name: str
    score: float


@strawberry.type
class Subtitles:
    srt_url: str | None
    vtt_url: str | None
    ass_url: str | None


@strawberry.type
class Caption:
    id: strawberry.ID
    platform: str
    text: str
    hashtags: list[str]


@strawberry.type
class Clip:
    id: strawberry.ID
    title: str
    score: float
    thumbnail_url: str | None
    start_seconds: float = 0.0
    end_seconds: float = 0.0
    duration_seconds: float = 0.0
    reason: str = ""
    video_url: str | None = None
    subtitles: Subtitles | None = None
    captions: list[Caption] = strawberry.field(default_factory=list)
    origin: str = "AUTO"
    score_breakdown: list[ScorePart] = strawberry.field(default_factory=list)


@strawberry.type
class ClipEdge:
    node: Clip


@strawberry.type
class ClipConnection:
    edges: list[ClipEdge]


@strawberry.type
class Upload:
    id: strawberry.ID
    filename: str
    status: str
    duration_seconds: float | None
    created_at: str = ""
    error: str | None = None
    source_url: str | None = None
    options: ClipOptions | None = None
    transcript: Transcript | None = None
    clip_page: strawberry.Private[list[Clip]] = strawberry.field(default_factory=list)

    @strawberry.field
    def clips(self, first: int | None = None) -> ClipConnection:
        return ClipConnection(edges=[ClipEdge(node=c) for c in self.clip_page[:first]])


@strawberry.type
class UploadEdge:
    cursor: str
    node: Upload


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class UploadConnection:
    edges: list[UploadEdge]
    page_info: PageInfo


def pool() -> asyncpg.Pool:
    assert sql.POOL is not None
    return sql.POOL


def user_id(info: strawberry.Info) -> uuid.UUID | None:
    request: Request = info.context["request"]
    return sql.bearer_user_id(request)


@strawberry.type
class Query:
    @strawberry.field
    async def me(self, info: strawberry.Info) -> User | None:
        uid = user_id(info)
        if uid is None:
            return None
        async with pool().acquire() as conn:
            row = await conn.fetchrow(
                "SELECT id, email, minutes_balance FROM users WHERE id = $1", uid
            )
        if row is None:
            return None
        return User(
            id=strawberry.ID(gid("User", row["id"])),
            email=row["email"],
            credits=Credits(minutes_remaining=row["minutes_balance"]),
        )

    @strawberry.field
    async def uploads(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: UploadStatus | None = None,
    ) -> UploadConnection:
        uid = user_id(info)
        async with pool().acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, filename, status, duration_seconds, created_at FROM uploads"
                " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 21",
                uid,
            )
            page, has_next = rows[:20], len(rows) > 20
            clip_rows = await conn.fetch(CLIPS_OF, [r["id"] for r in page])
        clips: dict[uuid.UUID, list[Clip]] = defaultdict(list)
        for c in clip_rows:
            clips[c["upload_id"]].append(
                Clip(
                    id=strawberry.ID(gid("Clip", c["id"])),
                    title=c["title"],
                    score=c["score"],
                    thumbnail_url=await url(c["thumbnail_key"]),
                )
            )
        edges = [
            UploadEdge(
                cursor=cursor(r["created_at"].isoformat(), r["id"]),
                node=Upload(
                    id=strawberry.ID(gid("Upload", r["id"])),
                    filename=r["filename"],
                    status=r["status"],
                    duration_seconds=r["duration_seconds"],
                    created_at=r["created_at"].isoformat(),
                    clip_page=clips.get(r["id"], []),
                ),
            )
            for r in page
        ]
        end = edges[-1].cursor if edges else None
        return UploadConnection(
            edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end)
        )

    @strawberry.field
    async def upload(self, info: strawberry.Info, id: strawberry.ID) -> Upload | None:
        import base64

        try:
            raw = base64.urlsafe_b64decode(id + "=" * (-len(id) % 4)).decode()
            upload_id = uuid.UUID(raw.split(":", 1)[1])
        except (ValueError, IndexError):
            return None
        uid = user_id(info)
        async with pool().acquire() as conn:
            up = await conn.fetchrow(
                "SELECT id, filename, status, duration_seconds, error, clip_options FROM uploads"
                " WHERE id = $1 AND user_id = $2",
                upload_id,
                uid,
            )
            if up is None:
                return None
            tr = await conn.fetchrow(
                "SELECT id, language, text, srt_key, vtt_key, json_key FROM transcripts"
                " WHERE upload_id = $1 ORDER BY created_at DESC LIMIT 1",
                upload_id,
            )
            clip_rows = (
                await conn.fetch(
                    "SELECT * FROM clips WHERE upload_id = $1 ORDER BY rank LIMIT 51", upload_id
                )
            )[:50]
            cap_rows = await conn.fetch(
                "SELECT id, clip_id, platform, text, hashtags FROM captions"
                " WHERE clip_id = ANY($1::uuid[]) ORDER BY platform",
                [c["id"] for c in clip_rows],
            )
        captions: dict[uuid.UUID, list[Caption]] = defaultdict(list)
        for cap in cap_rows:
            captions[cap["clip_id"]].append(
                Caption(
                    id=strawberry.ID(gid("Caption", cap["id"])),
                    platform=cap["platform"],
                    text=cap["text"],
                    hashtags=cap["hashtags"],
                )
            )
        transcript = None
        if tr is not None:
            transcript = Transcript(
                language=tr["language"],
                text=tr["text"],
                srt_url=await url(tr["srt_key"]),
                vtt_url=await url(tr["vtt_key"]),
                json_url=await url(tr["json_key"]),
            )
        clip_page = [
            Clip(
                id=strawberry.ID(gid("Clip", c["id"])),
                title=c["title"],
                start_seconds=c["start_seconds"],
                end_seconds=c["end_seconds"],
                duration_seconds=c["duration_seconds"],
                score=c["score"],
                reason=c["reason"],
                video_url=await url(c["video_key"]),
                thumbnail_url=await url(c["thumbnail_key"]),
                subtitles=Subtitles(
                    srt_url=await url(c["srt_key"]),
                    vtt_url=await url(c["vtt_key"]),
                    ass_url=await url(c["ass_key"]),
                ),
                captions=captions.get(c["id"], []),
                origin=c["origin"],
                score_breakdown=[
                    ScorePart(name=p["name"], score=float(p["score"])) for p in c["score_breakdown"]
                ],
            )
            for c in clip_rows
        ]
        return Upload(
            id=strawberry.ID(gid("Upload", up["id"])),
            filename=up["filename"],
            status=up["status"],
            duration_seconds=up["duration_seconds"],
            error=up["error"],
            options=_options(up["clip_options"], up["duration_seconds"]),
            transcript=transcript,
            clip_page=clip_page,
        )


def _options(stored: dict[str, Any] | None, duration: float | None) -> ClipOptions:
    shown = sql.options_of(stored, duration)
    return ClipOptions(
        min_seconds=shown["minSeconds"],
        max_seconds=shown["maxSeconds"],
        count=shown["count"],
        prompt=shown["prompt"],
        language=shown["language"],
    )


schema = strawberry.Schema(query=Query)


async def _init(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    dsn = os.environ["CLIPFORGE_DATABASE_URL"]
    sql.POOL = await asyncpg.create_pool(dsn, min_size=1, max_size=5, init=_init)
    try:
        yield
    finally:
        await sql.POOL.close()


graphql: Any = GraphQL(schema, graphql_ide=None)
app = Starlette(
    routes=[Route("/healthz", healthz), Route("/graphql", graphql, methods=["GET", "POST"])],
    lifespan=lifespan,
)
