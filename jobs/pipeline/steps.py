"""The stages on local files: what the arq tasks and `clipforge process` both run.

Nothing here touches the database, Redis or object storage: inputs are paths and plain data,
outputs are files under a work folder laid out as in layout.py, plus the data the callers
store. Failures come out as TransientError / PermanentError (errors.classified).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.caption_styles import CaptionStyle
from core.clip_options import ClipOptions
from core.config import Settings
from core.probe import MediaInfo, probe
from jobs.errors import PermanentError
from jobs.media import subtitles
from jobs.media.audio import audio_features, extract_audio
from jobs.media.captions import pick_writer
from jobs.media.chunks import Span, plan_spans, shift
from jobs.media.cut import cut_clip, thumbnail
from jobs.media.export.frame import Aspect, Fill
from jobs.media.export.render import render_export
from jobs.media.export.spec import ExportSpec, RenderResult
from jobs.media.highlights import LocalScorer, find_highlights
from jobs.media.reframe.plan import Reframe
from jobs.media.transcribe import transcribe
from jobs.media.types import (
    AudioFeatures,
    Candidate,
    PlatformCaption,
    ScoredClip,
    ScorePart,
    Segment,
    TranscriptResult,
)
from jobs.pipeline import layout
from jobs.pipeline.errors import classified
from jobs.pipeline.progress import ProgressCallback

log = logging.getLogger("clipforge.pipeline")
FRAME_TOLERANCE = 1.0  # frames a cut may differ from its planned length before we warn


async def _report(callback: ProgressCallback | None, fraction: float) -> None:
    if callback is None:
        return
    result = callback(fraction)
    if inspect.isawaitable(result):
        await result


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# ---------------------------------------------------------------- transcribe


@dataclass(frozen=True)
class Transcribed:
    transcript: TranscriptResult
    audio: AudioFeatures
    media: MediaInfo
    files: dict[str, Path]  # layout name -> local file


def features_json(audio: AudioFeatures) -> dict[str, Any]:
    return {"loudness": list(audio.loudness), "peaks": list(audio.peaks)}


def features_from_json(data: dict[str, Any]) -> AudioFeatures:
    return AudioFeatures(
        loudness=tuple(float(x) for x in data.get("loudness", ())),
        peaks=tuple(float(x) for x in data.get("peaks", ())),
    )


async def has_picture(source: Path) -> bool:
    """Whether the source has a video track (audio-only uploads get a generated one)."""
    with classified("read the video"):
        return (await probe(source)).has_video


async def probe_video(video: Path) -> MediaInfo:
    """The source's streams; PermanentError when it is not a video with sound."""
    with classified("read the video"):
        info = await probe(video)
    if not info.has_audio:
        raise PermanentError("The video has no audio track to transcribe.")
    return info


async def transcribe_video(
    video: Path,
    work: Path,
    settings: Settings,
    *,
    language: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> Transcribed:
    """Audio (16 kHz WAV, streamed by FFmpeg) -> Whisper words -> transcript files.

    Progress: 0..0.05 audio extraction, 0.05..0.95 the fraction of audio transcribed.
    """
    info = await probe_video(video)
    wav = work / "audio16k.wav"
    try:
        with classified("extract the audio"):
            await extract_audio(video, wav, settings=settings)
            audio = await asyncio.to_thread(audio_features, wav)
        await _report(on_progress, 0.05)

        async def whisper_progress(fraction: float) -> None:
            await _report(on_progress, 0.05 + 0.9 * fraction)

        with classified("transcribe the audio"):
            result = await transcribe(
                wav, settings=settings, language=language or None, on_progress=whisper_progress
            )
    finally:
        wav.unlink(missing_ok=True)
    files = {**transcript_files(result, work), **features_file(audio, work)}
    await _report(on_progress, 1.0)
    return Transcribed(transcript=result, audio=audio, media=info, files=files)


def transcript_files(result: TranscriptResult, work: Path) -> dict[str, Path]:
    """The transcript as JSON, SRT and VTT files under `work` (layout name -> file)."""
    return {
        layout.TRANSCRIPT_JSON: _write_text(
            work / layout.TRANSCRIPT_JSON, json.dumps(subtitles.transcript_json(result))
        ),
        layout.TRANSCRIPT_SRT: _write_text(
            work / layout.TRANSCRIPT_SRT, subtitles.transcript_srt(result)
        ),
        layout.TRANSCRIPT_VTT: _write_text(
            work / layout.TRANSCRIPT_VTT, subtitles.transcript_vtt(result)
        ),
    }


def features_file(audio: AudioFeatures, work: Path) -> dict[str, Path]:
    return {
        layout.AUDIO_FEATURES: _write_text(
            work / layout.AUDIO_FEATURES, json.dumps(features_json(audio))
        )
    }


@dataclass(frozen=True)
class SplitAudio:
    """Long media cut at silences: the chunks' spans and the loudness of the whole."""

    spans: list[Span]
    audio: AudioFeatures
    media: MediaInfo
    wav: Path  # the whole 16 kHz WAV (the caller writes chunks from it, then removes it)


async def split_audio(video: Path, work: Path, settings: Settings) -> SplitAudio:
    """The audio (streamed to disk by FFmpeg) and where to cut it into chunks."""
    info = await probe_video(video)
    wav = work / "audio16k.wav"
    with classified("extract the audio"):
        await extract_audio(video, wav, settings=settings)
        audio = await asyncio.to_thread(audio_features, wav)
        spans = await asyncio.to_thread(plan_spans, wav, settings.transcribe_chunk_seconds)
    return SplitAudio(spans=spans, audio=audio, media=info, wav=wav)


async def transcribe_span(
    wav: Path,
    span: Span,
    settings: Settings,
    *,
    language: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> tuple[tuple[Segment, ...], str]:
    """One chunk's WAV through Whisper; its segments on the whole audio's clock."""
    with classified("transcribe the audio"):
        result = await transcribe(
            wav, settings=settings, language=language or None, on_progress=on_progress
        )
    return shift(result, span), result.language


async def audio_of(video: Path, work: Path, settings: Settings) -> AudioFeatures:
    """Loudness features straight from the video (when a stored copy is missing)."""
    wav = work / "audio16k.wav"
    try:
        with classified("extract the audio"):
            await extract_audio(video, wav, settings=settings)
            return await asyncio.to_thread(audio_features, wav)
    finally:
        wav.unlink(missing_ok=True)


# ---------------------------------------------------------------- clip


@dataclass(frozen=True)
class CutClip:
    rank: int  # 1 = best
    start: float  # on word boundaries of the source
    end: float
    duration: float  # measured on the cut file (ffprobe)
    score: float
    title: str
    reason: str
    text: str  # the words spoken in the clip
    files: dict[str, Path] = field(default_factory=dict)  # file name (layout.CLIP_*) -> file
    breakdown: tuple[ScorePart, ...] = ()


def spoken_text(transcript: TranscriptResult, start: float, end: float) -> str:
    """The words whose middle falls inside [start, end] (the rule the subtitles use)."""
    words = [w.text.strip() for w in transcript.words if start <= (w.start + w.end) / 2 <= end]
    return " ".join(w for w in words if w)


async def pick_clips(
    transcript: TranscriptResult,
    audio: AudioFeatures,
    settings: Settings,
    options: ClipOptions,
    *,
    avoid: Sequence[tuple[float, float]] = (),
) -> list[ScoredClip]:
    """The upload's options (lengths, count, prompt) through the configured engine: the best
    clips overlapping neither each other nor the spans in `avoid` (clips the user made)."""
    if not transcript.words:
        raise PermanentError("No speech was found to make clips from.")
    with classified("rank the highlights"):
        picks = await find_highlights(transcript, audio, settings, options=options, avoid=avoid)
    if not picks:
        raise PermanentError("No clip could be made from this video.")
    return picks


async def score_span(
    transcript: TranscriptResult,
    audio: AudioFeatures,
    start: float,
    end: float,
    prompt: str | None = None,
) -> ScoredClip:
    """A span the user chose, scored by the local scorer (with the upload's prompt) so it
    sorts with the found clips; its title is its strongest sentence, as theirs is."""
    words = tuple(w for w in transcript.words if start <= (w.start + w.end) / 2 <= end)
    if not words:
        raise PermanentError("No words are spoken in that part of the video.")
    with classified("score the clip"):
        scored = await LocalScorer(prompt=prompt).score(
            transcript, audio, [Candidate(start, end, words)]
        )
    return scored[0]


def clip_subtitle_files(
    transcript: TranscriptResult, start: float, end: float, folder: Path
) -> dict[str, Path]:
    """The clip's SRT, VTT and karaoke ASS, re-timed to the clip, under `folder`."""
    texts = {
        layout.CLIP_SRT: subtitles.clip_srt(transcript, start, end),
        layout.CLIP_VTT: subtitles.clip_vtt(transcript, start, end),
        layout.CLIP_ASS: subtitles.clip_ass(transcript, start, end),
    }
    return {name: _write_text(folder / name, text) for name, text in texts.items()}


async def cut_one(
    video: Path,
    transcript: TranscriptResult,
    pick: ScoredClip,
    rank: int,
    work: Path,
    settings: Settings,
    fps: float | None,
    title: str = "",
) -> CutClip:
    """Cut [start, end) from the source (one encode), then thumbnail and subtitles. Audio
    alone is cut over a picture made of `title` and its waveform."""
    folder = work / layout.clip_dir(rank)
    video_path = folder / layout.CLIP_VIDEO
    with classified("cut a clip"):
        duration = await cut_clip(
            video, pick.start, pick.end, video_path, settings=settings, title=title
        )
        thumb = await thumbnail(video_path, folder / layout.CLIP_THUMBNAIL, settings=settings)
    planned = pick.end - pick.start
    frame = 1.0 / fps if fps else 0.04
    if abs(duration - planned) > FRAME_TOLERANCE * frame + 1e-3:
        log.warning("clip %d is %.3f s, planned %.3f s", rank, duration, planned)
    files = {layout.CLIP_VIDEO: video_path, layout.CLIP_THUMBNAIL: thumb}
    files.update(clip_subtitle_files(transcript, pick.start, pick.end, folder))
    return CutClip(
        rank=rank,
        start=round(pick.start, 3),
        end=round(pick.end, 3),
        duration=round(duration, 3),
        score=round(max(0.0, min(100.0, pick.score)), 2),
        title=(pick.title or "Untitled clip")[:200],
        reason=pick.reason,
        text=spoken_text(transcript, pick.start, pick.end),
        files=files,
        breakdown=pick.breakdown,
    )


async def cut_clips(
    video: Path,
    transcript: TranscriptResult,
    picks: Sequence[ScoredClip],
    work: Path,
    settings: Settings,
    *,
    fps: float | None = None,
    on_progress: ProgressCallback | None = None,
    title: str = "",
) -> list[CutClip]:
    """Every pick cut in rank order (best first = rank 1); progress per finished clip.
    `title` names the source on the picture of audio-only clips."""
    out: list[CutClip] = []
    for i, pick in enumerate(picks):
        out.append(await cut_one(video, transcript, pick, i + 1, work, settings, fps, title))
        await _report(on_progress, (i + 1) / len(picks))
    return out


# ---------------------------------------------------------------- captions


async def write_captions(
    clips: Sequence[tuple[str, str]],
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
) -> list[list[PlatformCaption]]:
    """Platform captions for each (title, spoken text): the LLM when configured, else local."""
    writer = pick_writer(settings)
    out: list[list[PlatformCaption]] = []
    for i, (title, text) in enumerate(clips):
        with classified("write the captions"):
            out.append(list(await writer.write(title, text)))
        await _report(on_progress, (i + 1) / max(1, len(clips)))
    return out


def captions_json(captions: Sequence[PlatformCaption]) -> dict[str, Any]:
    return {
        c.platform: {"text": c.text, "hashtags": list(c.hashtags), "title": c.title}
        for c in captions
    }


# ---------------------------------------------------------------- export


def export_spec(
    transcript: TranscriptResult | None,
    start: float,
    end: float,
    *,
    aspect: Aspect,
    reframe: Reframe = "CENTER",
    fill: Fill = "crop",
    style: CaptionStyle | None = None,
    remove_fillers: bool = False,
    remove_silences: bool = False,
    title: str | None = None,
) -> ExportSpec:
    """What to render for the clip [start, end): `style` None burns no captions; the words
    (in clip time) also guide the cleanups."""
    words = tuple(subtitles.clip_words(transcript, start, end)) if transcript else ()
    return ExportSpec(
        aspect=aspect,
        reframe=reframe,
        fill=fill,
        style=style,
        words=words,
        remove_fillers=remove_fillers,
        remove_silences=remove_silences,
        title=title,
    )


async def render_export_of(
    source: Path, start: float, end: float, spec: ExportSpec, dst: Path, settings: Settings
) -> RenderResult:
    """The clip [start, end) rendered from the original in one FFmpeg run (never from the
    already-encoded clip file): seek, trim, reframe, cleanups, captions, title."""
    with classified("render the export"):
        return await render_export(source, start, end, spec, dst, settings=settings)
