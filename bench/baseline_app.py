"""The baseline: the same three reads as Me, Uploads and UploadDetail, without GraphQL or ORM.

A bare Starlette app on asyncpg (pool of 5, like the api's Tortoise pool) that writes the
same JSON by hand. It looks the bearer's user up like the api does but skips the JWT
signature check (a few microseconds). Presigned URLs come from the same store code, so the
responses match the api's byte for byte in content, if not in key order.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.clip_options import ClipOptions
from core.config import get_settings
from core.storage.factory import get_store

POOL: asyncpg.Pool | None = None


def gid(type_name: str, pk: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode()


def cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("|".join(str(p) for p in parts).encode()).decode()


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, separators=(",", ":"), default=str)
    return Response(body, status_code=status, media_type="application/json")


def bearer_user_id(request: Request) -> uuid.UUID | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return uuid.UUID(claims["sub"])
    except (ValueError, KeyError):
        return None


async def viewer(request: Request, conn: asyncpg.Connection) -> asyncpg.Record | None:
    user_id = bearer_user_id(request)
    if user_id is None:
        return None
    return await conn.fetchrow(
        "SELECT id, email, is_admin, minutes_balance FROM users WHERE id = $1", user_id
    )


async def url(key: str | None) -> str | None:
    return await get_store().presigned_get(key, get_settings().presign_ttl_seconds) if key else None


async def me(request: Request) -> Response:
    assert POOL is not None
    async with POOL.acquire() as conn:
        user = await viewer(request, conn)
    if user is None:
        return json_response({"errors": [{"message": "unauthenticated"}]}, 401)
    return json_response(
        {
            "data": {
                "me": {
                    "id": gid("User", user["id"]),
                    "email": user["email"],
                    "credits": {"minutesRemaining": user["minutes_balance"]},
                }
            }
        }
    )


CLIPS_OF = (
    "SELECT * FROM (SELECT c.id, c.upload_id, c.rank, c.title, c.score, c.thumbnail_key,"
    " row_number() OVER (PARTITION BY upload_id ORDER BY rank) AS rn"
    " FROM clips c WHERE upload_id = ANY($1::uuid[])) t WHERE rn <= 3 ORDER BY upload_id, rank"
)


async def uploads(request: Request) -> Response:
    assert POOL is not None
    async with POOL.acquire() as conn:
        user = await viewer(request, conn)
        if user is None:
            return json_response({"errors": [{"message": "unauthenticated"}]}, 401)
        rows = await conn.fetch(
            "SELECT id, filename, status, duration_seconds, created_at FROM uploads"
            " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 21",
            user["id"],
        )
        page, has_next = rows[:20], len(rows) > 20
        clip_rows = await conn.fetch(CLIPS_OF, [r["id"] for r in page])
    clips: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for c in clip_rows:
        node = {
            "id": gid("Clip", c["id"]),
            "title": c["title"],
            "score": c["score"],
            "thumbnailUrl": await url(c["thumbnail_key"]),
        }
        clips[c["upload_id"]].append({"node": node})
    edges = [
        {
            "cursor": cursor(r["created_at"].isoformat(), r["id"]),
            "node": {
                "id": gid("Upload", r["id"]),
                "filename": r["filename"],
                "status": r["status"],
                "durationSeconds": r["duration_seconds"],
                "createdAt": r["created_at"].isoformat(),
                "clips": {"edges": clips.get(r["id"], [])},
            },
        }
        for r in page
    ]
    info = {"hasNextPage": has_next, "endCursor": edges[-1]["cursor"] if edges else None}
    return json_response({"data": {"uploads": {"edges": edges, "pageInfo": info}}})


async def upload_detail(request: Request) -> Response:
    assert POOL is not None
    raw = request.path_params["id"]
    try:
        padded = raw + "=" * (-len(raw) % 4)
        upload_id = uuid.UUID(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return json_response({"data": {"upload": None}})
    async with POOL.acquire() as conn:
        user = await viewer(request, conn)
        if user is None:
            return json_response({"errors": [{"message": "unauthenticated"}]}, 401)
        up = await conn.fetchrow(
            "SELECT id, filename, status, duration_seconds, error, clip_options FROM uploads"
            " WHERE id = $1 AND user_id = $2",
            upload_id,
            user["id"],
        )
        if up is None:
            return json_response({"data": {"upload": None}})
        tr = await conn.fetchrow(
            "SELECT id, language, text, srt_key, vtt_key, json_key FROM transcripts"
            " WHERE upload_id = $1 ORDER BY created_at DESC LIMIT 1",
            upload_id,
        )
        clip_rows = await conn.fetch(
            "SELECT * FROM clips WHERE upload_id = $1 ORDER BY rank LIMIT 51", upload_id
        )
        clip_rows = clip_rows[:50]
        cap_rows = await conn.fetch(
            "SELECT id, clip_id, platform, text, hashtags FROM captions"
            " WHERE clip_id = ANY($1::uuid[]) ORDER BY platform",
            [c["id"] for c in clip_rows],
        )
    captions: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for cap in cap_rows:
        captions[cap["clip_id"]].append(
            {
                "id": gid("Caption", cap["id"]),
                "platform": cap["platform"],
                "text": cap["text"],
                "hashtags": cap["hashtags"],
            }
        )
    transcript = None
    if tr is not None:
        transcript = {
            "language": tr["language"],
            "text": tr["text"],
            "srtUrl": await url(tr["srt_key"]),
            "vttUrl": await url(tr["vtt_key"]),
            "jsonUrl": await url(tr["json_key"]),
        }
    edges = []
    for c in clip_rows:
        node = {
            "id": gid("Clip", c["id"]),
            "title": c["title"],
            "startSeconds": c["start_seconds"],
            "endSeconds": c["end_seconds"],
            "durationSeconds": c["duration_seconds"],
            "score": c["score"],
            "reason": c["reason"],
            "videoUrl": await url(c["video_key"]),
            "thumbnailUrl": await url(c["thumbnail_key"]),
            "subtitles": {
                "srtUrl": await url(c["srt_key"]),
                "vttUrl": await url(c["vtt_key"]),
                "assUrl": await url(c["ass_key"]),
            },
            "captions": captions.get(c["id"], []),
            "origin": c["origin"],
            "scoreBreakdown": [
                {"name": p["name"], "score": float(p["score"])} for p in c["score_breakdown"]
            ],
        }
        edges.append({"node": node})
    upload = {
        "id": gid("Upload", up["id"]),
        "filename": up["filename"],
        "status": up["status"],
        "durationSeconds": up["duration_seconds"],
        "error": up["error"],
        "sourceUrl": None,
        "options": options_of(up["clip_options"], up["duration_seconds"]),
        "transcript": transcript,
        "clips": {"edges": edges},
    }
    return json_response({"data": {"upload": upload}})


def options_of(stored: dict[str, Any] | None, duration: float | None) -> dict[str, Any]:
    """Upload.options: the stored clip options with the settings' defaults filled in."""
    options = ClipOptions.from_json(stored, get_settings())
    return {
        "minSeconds": options.min_seconds,
        "maxSeconds": options.max_seconds,
        "count": options.count_for(duration),
        "prompt": options.prompt,
        "language": options.language,
    }


async def healthz(request: Request) -> Response:
    return Response("ok")


async def _init(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global POOL
    dsn = os.environ["CLIPFORGE_DATABASE_URL"]
    POOL = await asyncpg.create_pool(dsn, min_size=1, max_size=5, init=_init)
    try:
        yield
    finally:
        await POOL.close()


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/me", me),
        Route("/uploads", uploads),
        Route("/upload/{id}", upload_detail),
    ],
    lifespan=lifespan,
)
