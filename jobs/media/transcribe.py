"""Speech to text with word timestamps (faster-whisper), reporting progress while it runs."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from core.config import Settings, get_settings
from jobs.media.onsets import refine_onsets
from jobs.media.types import Segment, TranscriptResult, Word
from jobs.media.whisper_model import choose_model, load_model

ProgressCallback = Callable[[float], Awaitable[None] | None]
# Whisper leaves out "um" and "uh" unless its prompt shows them (measured: 0 of 3 espeak-ng
# fillers without a prompt, 3 of 3 with this one); filler removal needs them transcribed.
VERBATIM_PROMPT = "Umm, let me think like, hmm... Okay, uh, here's what I'm, um, thinking."


class TranscribeCancelled(Exception):
    """Raised inside the worker thread to stop decoding once the caller went away."""


def _to_segment(seg: Any) -> Segment:
    words = tuple(
        Word(
            start=round(float(w.start), 3),
            end=round(float(w.end), 3),
            text=w.word.strip(),
            probability=round(float(w.probability), 4),
        )
        for w in (seg.words or ())
        if w.word.strip()
    )
    return Segment(
        start=round(float(seg.start), 3),
        end=round(float(seg.end), 3),
        text=seg.text.strip(),
        words=words,
    )


def _decode(
    wav: Path,
    settings: Settings,
    language: str | None,
    report: Callable[[float], None],
    stop: threading.Event,
    initial_prompt: str | None = None,
) -> TranscriptResult:
    """Runs in a worker thread: faster-whisper yields segments lazily as it decodes."""
    name, language = choose_model(settings, language, wav)
    model = load_model(settings, name)
    segments, info = model.transcribe(
        str(wav),
        language=language,
        beam_size=settings.whisper_beam_size,
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
        initial_prompt=initial_prompt,
    )
    duration = float(info.duration) or 0.0
    out: list[Segment] = []
    for seg in segments:
        if stop.is_set():
            raise TranscribeCancelled
        out.append(_to_segment(seg))
        if duration > 0:
            report(min(1.0, float(seg.end) / duration))
    return TranscriptResult(language=info.language, duration=duration, segments=tuple(out))


async def transcribe(
    wav: Path,
    *,
    settings: Settings | None = None,
    language: str | None = None,
    on_progress: ProgressCallback | None = None,
    refine: bool = True,
    initial_prompt: str | None = None,
) -> TranscriptResult:
    """Transcribe a WAV with word timestamps; language is detected when None (an English-only
    model hands other languages to the multilingual one: whisper_model.choose_model).

    Decoding runs in a thread; each finished segment reports end/duration to on_progress
    on the event loop (sync or async callback), so progress flows while Whisper works.
    With refine, starts of words after a pause are snapped to the audible onset (onsets.py).
    initial_prompt=VERBATIM_PROMPT keeps filler words in the transcript.
    """
    s = settings or get_settings()
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()
    last = -1.0

    def deliver(fraction: float) -> None:  # on the loop
        nonlocal last
        if on_progress is None or fraction <= last:
            return
        last = fraction
        result = on_progress(fraction)
        if inspect.isawaitable(result):

            async def wait() -> None:
                await result

            task = loop.create_task(wait())
            pending.add(task)
            task.add_done_callback(pending.discard)

    def report(fraction: float) -> None:  # in the thread
        loop.call_soon_threadsafe(deliver, fraction)

    stop = threading.Event()
    try:
        result = await asyncio.to_thread(
            _decode, Path(wav), s, language, report, stop, initial_prompt
        )
        if refine:
            result = await asyncio.to_thread(refine_onsets, result, Path(wav))
    finally:
        stop.set()
    await asyncio.sleep(0)  # let the last call_soon_threadsafe callbacks run
    if pending:
        await asyncio.gather(*pending)
    deliver(1.0)
    if pending:
        await asyncio.gather(*pending)
    return result


__all__ = ["VERBATIM_PROMPT", "ProgressCallback", "transcribe"]
