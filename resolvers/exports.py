"""Export use cases (reads). Creating an export lives with the pipeline's use cases."""

from __future__ import annotations

import uuid

from core.errors import NotFound
from orm.models import Export


async def owned_export(user_id: uuid.UUID, export_id: uuid.UUID) -> Export:
    export = await Export.filter(id=export_id, user_id=user_id).first()
    if export is None:
        raise NotFound("export")
    return export
