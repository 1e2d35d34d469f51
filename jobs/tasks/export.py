"""export: render a stored clip to an aspect ratio (subtitles burned in when asked).

The render starts from the stored clip (cut from the original in one encode): the media
renderer takes whole files, so an export is the second and last encode of those frames.
"""

from __future__ import annotations

from typing import Any, cast, get_args

from core.config import get_settings
from core.pipeline import ExportStatus, Stage
from core.storage import get_store
from jobs import schedule
from jobs.media.render import Fill
from jobs.pipeline import layout, results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.job import scratch
from jobs.pipeline.progress import StageReporter
from orm.lifecycle import MoveRefused, move_export
from orm.models import Export

FILLS: tuple[str, ...] = get_args(Fill)


async def export(ctx: dict[str, Any], export_id: str, fill: str = "crop") -> dict[str, Any]:
    row = await Export.filter(id=export_id).select_related("clip").first()
    if row is None:
        return {"skipped": "export not found"}
    if row.status == ExportStatus.READY and row.key:
        with classified("check the export"):
            if await get_store().exists(row.key):
                return {"skipped": "already rendered"}
    clip = row.clip
    report = StageReporter(
        row.user_id, Stage.EXPORT, upload_id=clip.upload_id, export_id=row.id, clip_id=clip.id
    )
    return await _render(row, report, fill if fill in FILLS else "crop", ctx.get("redis"))


async def _render(
    row: Export, report: StageReporter, fill: str, pool: Any = None
) -> dict[str, Any]:
    clip = row.clip
    try:
        await move_export(row, ExportStatus.RENDERING)
    except MoveRefused as exc:
        return {"skipped": str(exc)}
    await report.started()
    aspect = str(getattr(row.aspect_ratio, "value", row.aspect_ratio))
    async with scratch("export") as work:
        src = await results.fetch_object(clip.video_key, work / layout.CLIP_VIDEO)
        ass = None
        if row.burn_subtitles:
            ass = await results.fetch_object(clip.ass_key, work / layout.CLIP_ASS)
        await report.progress(0.1)
        out = work / "export.mp4"
        info = await steps.render_clip(
            src,
            out,
            aspect,
            ass=ass,
            fill=cast(Fill, fill),
            settings=get_settings(),
        )
        await report.progress(0.9)
        key = layout.export_key(clip.upload_id, row.id)
        with classified("store the export"):
            await get_store().put_file(key, out, "video/mp4")
    deliveries = await move_export(row, ExportStatus.READY, key=key)  # with its webhook events
    await report.completed(f"{info.width}x{info.height}")
    await schedule.start_deliveries(deliveries, pool=pool)
    return {"export_id": str(row.id), "width": info.width, "height": info.height}
