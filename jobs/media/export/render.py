"""render_export: a post-ready export straight from the original upload, in one FFmpeg run.

Seek with -ss before -i and limit with -t (frame-accurate, decodes only the clip), then
one filtergraph: the crop path for the reframe mode, the cuts of the cleanups, the scale to
the export size, captions and title burned in. The clip's already-encoded file is never
the input, so the export is one encode from the source.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from core.caption_styles import DEFAULT_PRESET, PRESETS
from core.config import Settings
from core.ffmpeg_exec import MediaToolError, run_configured
from core.probe import probe
from jobs.media.cleanup import EditList, Span, is_filler, plan_cleanup
from jobs.media.envelope import Envelope, loudness_envelope
from jobs.media.export.graph import audio_graph, video_graph
from jobs.media.export.spec import ExportSpec, RenderResult
from jobs.media.reframe.analysis import FaceAnalysis, analyse_faces
from jobs.media.reframe.detector import FaceDetector
from jobs.media.reframe.plan import ReframePlan, center_plan, plan_reframe
from jobs.media.styles.ass_writer import caption_ass
from jobs.media.styles.fonts import find_family

ENVELOPE_STEP_S = 0.02
DEFAULT_FPS = 25.0


def _write_graph(
    work: Path,
    spec: ExportSpec,
    plan: ReframePlan,
    edits: EditList,
    duration: float,
    fps: float,
    has_audio: bool,
) -> Path:
    """Write the captions (when asked) and the filtergraph script; return the script."""
    width, height = spec.frame_size
    ass_path: str | None = None
    style = spec.style
    if style is not None and find_family(style.font) is None:
        raise MediaToolError(f"caption font not installed: {style.font}")
    if (style is not None and spec.words) or spec.title:
        ass = caption_ass(
            edits.retime(spec.words, drop=is_filler if spec.remove_fillers else None)
            if style is not None
            else [],
            style or PRESETS[DEFAULT_PRESET],
            width,
            height,
            title=spec.title,
        )
        ass_path = str(work / "captions.ass")
        Path(ass_path).write_text(ass, "utf-8")
    graph = video_graph(
        plan, width, height, edits=edits, fps=fps, ass_path=ass_path, fill=spec.fill
    )
    if has_audio:
        graph += ";\n" + audio_graph(edits, duration)
    script = work / "graph.txt"
    script.write_text(graph, "utf-8")
    return script


async def render_export(
    source: str | Path,
    start: float,
    end: float,
    spec: ExportSpec,
    out: Path,
    *,
    detector: FaceDetector | None = None,
    settings: Settings | None = None,
) -> RenderResult:
    """Render [start, end) of source to out (H.264/AAC MP4, faststart) as spec asks."""
    if start < 0 or end <= start:
        raise MediaToolError(f"bad clip range [{start}, {end})")
    info = await probe(source)
    if not info.has_video or not info.width or not info.height:
        raise MediaToolError("the source has no video to export")
    width, height = spec.frame_size
    if width % 2 or height % 2:
        raise MediaToolError("export width and height must be even")
    duration = min(end, info.duration) - start if info.duration else end - start
    if duration <= 0:
        raise MediaToolError(f"the clip starts after the end of the source ({start:.2f} s)")
    fps = info.fps or DEFAULT_FPS
    cleanup = spec.remove_fillers or spec.remove_silences
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    loudness: asyncio.Future[Envelope] | None = None
    if info.has_audio and (cleanup or spec.reframe != "CENTER"):
        loudness = asyncio.ensure_future(
            loudness_envelope(
                source, start, start + duration, step=ENVELOPE_STEP_S, settings=settings
            )
        )
    try:
        analysis: FaceAnalysis | None = None
        if spec.reframe == "CENTER":
            plan = center_plan(info.width / info.height, width / height)
        else:
            if detector is None:
                from jobs.media.reframe.dlib_faces import default_detector

                detector = await asyncio.to_thread(default_detector)  # loads a 100 MB model
            analysis = await analyse_faces(
                source, start, start + duration, detector, envelope=loudness, settings=settings
            )
            plan = plan_reframe(analysis, spec.reframe, width, height)
        envelope = await loudness if loudness is not None else None
    finally:
        if loudness is not None and not loudness.done():
            loudness.cancel()
    timings["analysis"] = time.perf_counter() - clock

    edits = EditList((Span(0.0, duration),))
    messages = [plan.message] if plan.message else []
    if cleanup:
        if envelope is None or not spec.words:
            messages.append("Fillers and pauses were left in: the clip has no transcribed speech.")
        else:
            edits = plan_cleanup(
                spec.words,
                duration,
                envelope,
                remove_fillers=spec.remove_fillers,
                remove_silences=spec.remove_silences,
                fps=fps,
            )

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.part.mp4")
    with tempfile.TemporaryDirectory(prefix="export-") as work:
        script = await asyncio.to_thread(
            _write_graph, Path(work), spec, plan, edits, duration, fps, info.has_audio
        )
        maps = ["-map", "[v]"] + (["-map", "[a]"] if info.has_audio else [])
        argv = ["ffmpeg", "-y", "-ss", f"{start:.3f}", "-t", f"{duration:.3f}", "-i", str(source)]
        argv += ["-filter_complex_script", str(script), *maps]
        argv += ["-sn", "-dn", "-map_metadata", "-1"]
        argv += ["-c:v", "libx264", "-preset", spec.preset, "-crf", str(spec.crf)]
        argv += ["-profile:v", "high", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
        argv += ["-movflags", "+faststart", "-f", "mp4", str(tmp)]
        try:
            began = time.perf_counter()
            await run_configured(argv, settings)
            timings["render"] = time.perf_counter() - began
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
    result = await probe(out)
    return RenderResult(
        duration=result.video_duration or result.duration,
        width=result.width or width,
        height=result.height or height,
        message=" ".join(messages),
        reframe=plan.mode,
        plan=plan,
        edits=edits,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


__all__ = ["render_export"]
