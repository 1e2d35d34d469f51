"""Per-request DataLoaders: one query per kind of thing, whatever the page size (no N+1)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise import connections
from tortoise.models import Model

from orm.models import Caption, Clip, Export, Transcript, Upload, User

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


class Loaders:
    """Made fresh for each request (and each subscription event): caches never go stale."""

    def __init__(self) -> None:
        self.user = _by_id(User)
        self.upload = _by_id(Upload)
        self.clip = _by_id(Clip)
        self.export = _by_id(Export)
        self.transcript_by_upload = _grouped(Transcript, "upload_id", ("created_at",))
        self.captions_by_clip = _grouped(Caption, "clip_id", ("platform",))
        self.clips_page: DataLoader[tuple[uuid.UUID, int, int], list[Clip]] = DataLoader(
            load_fn=_first_clips
        )
