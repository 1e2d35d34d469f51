"""Speech to text with word timestamps (faster-whisper), reporting progress while it runs."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import threading
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

from core.config import Settings, get_settings
from jobs.media.coverage import LOST_S, SAMPLE_RATE, coverage, speech_spans
from jobs.media.onsets import refine_onsets
from jobs.media.types import Segment, TranscriptResult, Word
from jobs.media.whisper_model import choose_model, load_model

log = logging.getLogger("clipforge.transcribe")
ProgressCallback = Callable[[float], Awaitable[None] | None]
# Whisper leaves out "um" and "uh" unless its prompt shows them (measured: 0 of 3 espeak-ng
# fillers without a prompt, 3 of 3 with this one); filler removal needs them transcribed.
# It is given as faster-whisper's `hotwords`, which prompt every 30 s window: an
# `initial_prompt` prompts only the first one (condition_on_previous_text is off), and
# fillers after 30 s were lost (measured: 4 of 10 kept on 48 s of speech, 10 of 10 this way).
# An English prompt, so it is given to English speech only (CLIPFORGE_WHISPER_VERBATIM).
VERBATIM_PROMPT = "Umm, let me think like, hmm... Okay, uh, here's what I'm, um, thinking."
PROMPTED_TRIES = 3  # prompted decodes before one without the prompt (see _decode)
DETECT_SECONDS = 30  # Whisper detects the language on its first window
SPOKEN = re.compile(r"\w")
MIN_PROBABILITY = 0.02  # below it a "word" is Whisper's guess at silence (see _spoken)
TAIL_SECONDS = 0.1  # a word of no length this close to the audio's end is made up (_spoken)
SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"')\]\u300d\u300f]*$")


class TranscribeCancelled(Exception):
    """Raised inside the worker thread to stop decoding once the caller went away."""


def _spoken(word: Any, audio_end: float) -> bool:
    """A word someone said: with a letter or digit, and not one Whisper itself all but rules
    out. Prompted, it now and then ends a stretch before a silence with a stray "-" or "T"
    (measured: probability 0.16 and 0.004, no duration), while the real words of the test
    speech scored 0.08 and up; and it may add a word of no length at the very end of the
    audio (measured: "on?" at 18.12 s of an 18.14 s chunk, probability 0.91)."""
    start, end = float(word.start), float(word.end)
    made_up = end <= start and audio_end > 0 and start >= audio_end - TAIL_SECONDS
    said = bool(SPOKEN.search(word.word)) and float(word.probability) >= MIN_PROBABILITY
    return said and not made_up


def _sentences(seg: Any, audio_end: float) -> list[list[Any]]:
    """A Whisper segment's spoken words cut at sentence ends. Prompted, Whisper emits fewer
    and longer segments (a 24 s talk of five sentences came out as one), while the
    transcript's segments are read as sentences downstream (rows, search, onsets)."""
    groups: list[list[Any]] = []
    for w in seg.words or ():
        if not _spoken(w, audio_end):
            continue
        if not groups or SENTENCE_END.search(groups[-1][-1].word.strip()):
            groups.append([])
        groups[-1].append(w)
    return groups


def _to_segment(seg: Any, words: list[Any], whole: bool) -> Segment:
    """One segment of the transcript: the words of a sentence of Whisper's segment `seg`
    (`whole`: they are all of its words, and its own times stand)."""
    timed = tuple(
        Word(
            start=round(float(w.start), 3),
            end=round(float(w.end), 3),
            text=w.word.strip(),
            probability=round(float(w.probability), 4),
        )
        for w in words
    )
    text = "".join(w.word for w in words).strip() or seg.text.strip()  # Whisper's spacing
    if whole or not timed:
        return Segment(
            start=round(float(seg.start), 3), end=round(float(seg.end), 3), text=text, words=timed
        )
    return Segment(start=timed[0].start, end=timed[-1].end, text=text, words=timed)


def _opening(wav: Path) -> np.ndarray:
    """The first DETECT_SECONDS of a 16 kHz mono 16-bit WAV as Whisper's float samples."""
    with wave.open(str(wav), "rb") as w:
        raw = w.readframes(w.getframerate() * DETECT_SECONDS)
    return np.frombuffer(raw, np.int16).astype(np.float32) / 32768.0


def language_and_prompt(
    model: Any, wav: Path, language: str | None, verbatim: bool
) -> tuple[str | None, str | None]:
    """The language to decode in and the verbatim prompt when the speech is English
    (an English prompt pulls other languages towards English). A multilingual model
    without a language detects it first, on the same window Whisper would use."""
    if not verbatim:
        return language, None
    if language is None and model.model.is_multilingual:
        language, _p, _all = model.detect_language(_opening(wav))
    english = language in (None, "en")  # None here: an English-only model
    return language, VERBATIM_PROMPT if english else None


def _decode(
    wav: Path,
    settings: Settings,
    language: str | None,
    report: Callable[[float], None],
    stop: threading.Event,
    verbatim: bool,
) -> TranscriptResult:
    """Runs in a worker thread. A prompted decode that lost speech (coverage.py) is tried
    again (it varies from run to run: on one test recording 2 runs in 10 lost half of the
    speech), then done without the prompt, and the transcript that accounts for more speech
    is kept: fillers are worth less than sentences."""
    from faster_whisper import decode_audio

    name, language = choose_model(settings, language, wav)
    model = load_model(settings, name)
    language, prompt = language_and_prompt(model, wav, language, verbatim)
    audio = decode_audio(str(wav), sampling_rate=SAMPLE_RATE)
    best = _decode_pass(model, audio, settings, language, prompt, report, stop)
    if prompt is None:
        return best
    spans = speech_spans(audio)
    covered = coverage(spans, best.words)
    for _ in range(PROMPTED_TRIES - 1):
        if not covered.lost_speech:
            return best
        again = _decode_pass(model, audio, settings, language, prompt, report, stop)
        if (cov := coverage(spans, again.words)).uncovered < covered.uncovered:
            best, covered = again, cov
    if not covered.lost_speech:
        return best
    plain = _decode_pass(model, audio, settings, language, None, report, stop)
    kept = (
        plain if coverage(spans, plain.words).uncovered < covered.uncovered - LOST_S / 2 else best
    )
    log.info(
        "prompted decodes of %s left %.1f of %.1f s of speech without words; decoded again "
        "without the prompt, kept the %s one",
        wav.name,
        covered.uncovered,
        covered.speech,
        "plain" if kept is plain else "prompted",
    )
    return kept


def _decode_pass(
    model: Any,
    audio: np.ndarray,
    settings: Settings,
    language: str | None,
    prompt: str | None,
    report: Callable[[float], None],
    stop: threading.Event,
) -> TranscriptResult:
    """One decode: faster-whisper yields segments lazily; each sentence is reported as soon
    as its segment is decoded."""
    segments, info = model.transcribe(
        audio,
        language=language,
        beam_size=settings.whisper_beam_size,
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
        hotwords=prompt,
    )
    duration = float(info.duration) or 0.0
    out: list[Segment] = []
    for seg in segments:
        groups = _sentences(seg, duration)
        if not groups and seg.words:
            continue  # nothing said: only a stray "-"
        for words in groups or [[]]:
            if stop.is_set():
                raise TranscribeCancelled
            piece = _to_segment(seg, words, whole=len(groups) <= 1)
            out.append(piece)
            if duration > 0:
                report(min(1.0, piece.end / duration))
    return TranscriptResult(language=info.language, duration=duration, segments=tuple(out))


async def transcribe(
    wav: Path,
    *,
    settings: Settings | None = None,
    language: str | None = None,
    on_progress: ProgressCallback | None = None,
    refine: bool = True,
    verbatim: bool | None = None,
) -> TranscriptResult:
    """Transcribe a WAV with word timestamps; language is detected when None (an English-only
    model hands other languages to the multilingual one: whisper_model.choose_model).

    Decoding runs in a thread; each finished segment reports end/duration to on_progress
    on the event loop (sync or async callback), so progress flows while Whisper works.
    With refine, starts of words after a pause are snapped to the audible onset (onsets.py).
    Filler words stay in English transcripts when `verbatim` is on (None: the setting
    CLIPFORGE_WHISPER_VERBATIM, on by default).
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
            _decode,
            Path(wav),
            s,
            language,
            report,
            stop,
            s.whisper_verbatim if verbatim is None else verbatim,
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
