"""Per-request DataLoaders: one query per kind of thing, whatever the page size (no N+1)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise import connections
from tortoise.models import Model

from orm.models import Clip, Export, Transcript, Upload, User

M = TypeVar("M", bound=Model)


def _by_id(model: type[M]) -> DataLoader[uuid.UUID, M | None]:
    async def load(keys: list[uuid.UUID]) -> Sequence[M | None]:
        rows = {r.pk: r for r in await model.filter(id__in=keys)}
        return [rows.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _grouped(model: type[M], fk: str, order: tuple[str, ...]) -> DataLoader[uuid.UUID, list[M]]:
    async def load(keys: list[uuid.UUID]) -> Sequence[list[M]]:
        groups: dict[uuid.UUID, list[M]] = defaultdict(list)
        rows = await model.filter(**{f"{fk}__in": keys}).order_by(*order)
        for row in rows:
            groups[getattr(row, fk)].append(row)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


async def _first_clips(keys: list[tuple[uuid.UUID, int, int]]) -> Sequence[list[Clip]]:
    """Clips of many uploads, by rank, `limit` per upload after rank `after` (one query)."""
    by_shape: dict[tuple[int, int], list[uuid.UUID]] = defaultdict(list)
    for upload_id, after, limit in keys:
        by_shape[(after, limit)].append(upload_id)
    found: dict[tuple[uuid.UUID, int, int], list[Clip]] = {}
    for (after, limit), ids in by_shape.items():
        rows = await connections.get("default").execute_query_dict(
            "SELECT * FROM (SELECT c.*, row_number() OVER (PARTITION BY upload_id ORDER BY rank)"
            " AS rn FROM clips c WHERE upload_id = ANY($1::uuid[]) AND rank > $2) t"
            " WHERE rn <= $3 ORDER BY upload_id, rank",
            [ids, after, limit],
        )
        grouped: dict[uuid.UUID, list[Clip]] = defaultdict(list)
        for row in rows:
            row.pop("rn", None)
            clip = Clip._init_from_db(**row)
            grouped[clip.upload_id].append(clip)
        for upload_id in ids:
            found[(upload_id, after, limit)] = grouped.get(upload_id, [])
    return [found[k] for k in keys]


@dataclass(frozen=True, slots=True)
class CaptionRow:
    """A caption as the API reads it. Every clip list carries five per clip, so they are built
    from plain rows: a tenth of the CPU of Tortoise models (measured: 0.3 vs 3.0 ms for 250)."""

    id: uuid.UUID
    clip_id: uuid.UUID
    platform: str
    text: str
    hashtags: list[str]


async def _captions(keys: list[uuid.UUID]) -> Sequence[list[CaptionRow]]:
    """The captions of many clips, by platform (one query)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT id, clip_id, platform, text, hashtags FROM captions"
        " WHERE clip_id = ANY($1::uuid[]) ORDER BY platform",
        [keys],
    )
    groups: dict[uuid.UUID, list[CaptionRow]] = defaultdict(list)
    for row in rows:
        tags = row["hashtags"]
        caption = CaptionRow(
            id=row["id"],
            clip_id=row["clip_id"],
            platform=row["platform"],
            text=row["text"],
            hashtags=json.loads(tags) if isinstance(tags, str) else list(tags),
        )
        groups[caption.clip_id].append(caption)
    return [groups.get(k, []) for k in keys]


class Loaders:
    """Made fresh for each request (and each subscription event): caches never go stale."""

    def __init__(self) -> None:
        self.user = _by_id(User)
        self.upload = _by_id(Upload)
        self.clip = _by_id(Clip)
        self.export = _by_id(Export)
        self.transcript_by_upload = _grouped(Transcript, "upload_id", ("created_at",))
        self.captions_by_clip: DataLoader[uuid.UUID, list[CaptionRow]] = DataLoader(
            load_fn=_captions
        )
        self.clips_page: DataLoader[tuple[uuid.UUID, int, int], list[Clip]] = DataLoader(
            load_fn=_first_clips
        )
