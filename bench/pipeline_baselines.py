"""The plain tools on the same media: audio extraction, faster-whisper alone, ffmpeg cuts.

Whisper runs with the worker's own model resolution and settings (model, device, compute
type, beam size, word timestamps, VAD), so the only difference from the transcribe stage
is everything around the model call. Cuts use the same encode settings as the clip stage
(libx264 veryfast CRF 20, AAC 128k, -ss before -i), without thumbnails or subtitles.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.media import run


def extract_audio(video: Path, wav: Path) -> float:
    t0 = time.perf_counter()
    run(
        ["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-i", str(video), "-vn"]
        + ["-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(wav)]
    )
    return time.perf_counter() - t0


def whisper_alone(wav: Path) -> dict[str, Any]:
    from core.config import get_settings
    from jobs.media.whisper_model import load_model

    settings = get_settings()
    t0 = time.perf_counter()
    model = load_model(settings)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    segments, info = model.transcribe(
        str(wav),
        beam_size=settings.whisper_beam_size,
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    words = sum(len(s.words or ()) for s in segments)
    return {
        "seconds": round(time.perf_counter() - t0, 2),
        "model_load_seconds": round(loaded, 2),
        "words": words,
        "model": settings.whisper_model,
        "beam_size": settings.whisper_beam_size,
        "compute_type": settings.whisper_compute_type,
    }


def plain_cuts(video: Path, clips: list[tuple[float, float]], out_dir: Path) -> float:
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, (start, end) in enumerate(clips):
        argv = ["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-ss", f"{start:.3f}"]
        argv += ["-i", str(video), "-t", f"{end - start:.3f}", "-map", "0:v:0", "-map", "0:a:0"]
        argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
        argv += ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart"]
        run([*argv, str(out_dir / f"clip-{i:02d}.mp4")])
    return time.perf_counter() - t0


def synthetic_clips(
    media_seconds: float, count: int = 10, length: float = 30.0
) -> list[tuple[float, float]]:
    """Evenly spread clips, for when the pipeline cannot supply its own list yet."""
    step = media_seconds / count
    return [(i * step + 5.0, min(media_seconds, i * step + 5.0 + length)) for i in range(count)]


async def run_baselines(
    video: Path, media_seconds: float, work: Path, clips: list[tuple[float, float]] | None
) -> dict[str, Any]:
    wav = work / "audio.wav"
    out: dict[str, Any] = {}
    secs = await asyncio.to_thread(extract_audio, video, wav)
    out["ffmpeg audio extraction"] = {
        "seconds": round(secs, 2),
        "real_time_factor": round(media_seconds / secs, 1),
        "what": "ffmpeg -vn, 16 kHz mono WAV",
    }
    w = await asyncio.to_thread(whisper_alone, wav)
    out["faster-whisper alone"] = {
        **w,
        "real_time_factor": round(media_seconds / w["seconds"], 1),
        "what": f"{w['model']}, {w['compute_type']}, beam {w['beam_size']}, word timestamps, VAD "
        f"(+{w['model_load_seconds']} s model load, not counted)",
    }
    label = "the pipeline's clip list" if clips else "10 evenly spread 30 s clips (no pipeline yet)"
    clip_list = clips or synthetic_clips(media_seconds)
    secs = await asyncio.to_thread(plain_cuts, video, clip_list, work / "cuts")
    total = sum(e - s for s, e in clip_list)
    out["plain ffmpeg cuts"] = {
        "seconds": round(secs, 2),
        "real_time_factor": round(total / secs, 1),
        "clips": len(clip_list),
        "what": f"{len(clip_list)} cuts, {total:.0f} s of clips: {label} (factor: clip seconds/s)",
    }
    wav.unlink(missing_ok=True)
    return out
