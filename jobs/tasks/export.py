"""export: render a clip for posting, straight from the original upload.

Everything it renders is read from the Export row (aspect, reframing, fill, caption style,
cleanups, title), so a retried or re-enqueued job renders the same export. The original is
the input, never the stored clip: seek, trim, reframe, cleanups and captions happen in one
FFmpeg run, so the export is one encode from the source.
"""

from __future__ import annotations

from typing import Any, cast

from core.caption_styles import DEFAULT_PRESET, PRESETS, CaptionStyle
from core.config import get_settings
from core.pipeline import ExportStatus, Stage
from core.storage import get_store
from jobs import schedule
from jobs.errors import PermanentError
from jobs.media.export.frame import FILLS, Aspect
from jobs.pipeline import layout, results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.job import scratch
from jobs.pipeline.progress import StageReporter
from orm.lifecycle import MoveRefused, move_export
from orm.models import Export, Upload
from orm.models.enums import Reframe as ReframeEnum


async def export(ctx: dict[str, Any], export_id: str, fill: str | None = None) -> dict[str, Any]:
    """`fill`: jobs queued by the previous release carried it (the row holds it now); a
    blurred fill asked by either wins over the default crop."""
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
    asked = row.fill if row.fill in FILLS else "crop"
    if asked == "crop" and fill in FILLS:
        asked = fill
    return await _render(row, report, asked, ctx.get("redis"))


def _style(row: Export) -> CaptionStyle | None:
    if not row.burn_subtitles:
        return None
    if row.caption_style:
        return CaptionStyle.from_json(row.caption_style)
    return PRESETS[DEFAULT_PRESET]


async def _render(
    row: Export, report: StageReporter, fill: str, pool: Any = None
) -> dict[str, Any]:
    clip = row.clip
    upload = await Upload.filter(id=clip.upload_id).first()
    if upload is None:
        return {"skipped": "upload not found"}
    try:
        await move_export(row, ExportStatus.RENDERING)
    except MoveRefused as exc:
        return {"skipped": str(exc)}
    await report.started()
    settings = get_settings()
    transcript = await results.load_transcript(upload.id)
    cleanup = row.remove_fillers or row.remove_silences
    if transcript is None and (row.burn_subtitles or cleanup):
        raise PermanentError("The transcript is missing; captions and cleanups need it.")
    spec = steps.export_spec(
        transcript,
        clip.start_seconds,
        clip.end_seconds,
        aspect=cast(Aspect, str(getattr(row.aspect_ratio, "value", row.aspect_ratio))),
        reframe=ReframeEnum(row.reframe).value,
        fill=fill if fill in FILLS else "crop",
        style=_style(row),
        remove_fillers=row.remove_fillers,
        remove_silences=row.remove_silences,
        title=clip.title if row.title_overlay else None,
    )
    async with scratch("export") as work:
        source = await results.fetch_original(upload, work)
        await report.progress(0.1)
        out = work / "export.mp4"
        result = await steps.render_export_of(
            source, clip.start_seconds, clip.end_seconds, spec, out, settings
        )
        await report.progress(0.9)
        key = layout.export_key(clip.upload_id, row.id)
        with classified("store the export"):
            await get_store().put_file(key, out, "video/mp4")
    deliveries = await move_export(  # with its webhook events
        row,
        ExportStatus.READY,
        key=key,
        duration_seconds=round(result.duration, 3),
        reframe_used=ReframeEnum(result.reframe),
        message=result.message or None,
    )
    await report.completed(result.message or f"{result.width}x{result.height}")
    await schedule.start_deliveries(deliveries, pool=pool)
    return {
        "export_id": str(row.id),
        "width": result.width,
        "height": result.height,
        "duration": round(result.duration, 3),
        "reframe": result.reframe,
    }
