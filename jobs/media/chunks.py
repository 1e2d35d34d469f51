"""Long audio in chunks: where to cut (in silences), the chunk files, and the merge.

A chunk boundary sits in the quietest stretch near each multiple of the chunk length, so no
word is cut in two: every word falls wholly inside one chunk, and merging the chunks'
transcripts in order, each shifted by its chunk's start, gives every word once.

Everything streams from the 16 kHz WAV: the level of each 20 ms frame (4 bytes per frame,
under 8 MB for ten hours), and chunk files copied a second at a time.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.ffmpeg_exec import MediaToolError
from jobs.media.audio import SAMPLE_RATE
from jobs.media.types import Segment, TranscriptResult, Word

FRAME = SAMPLE_RATE // 50  # 20 ms
QUIET_SPAN = 15  # frames (300 ms) averaged when looking for the quietest place
SEARCH = 0.25  # a cut may move this fraction of a chunk from its nominal place
MAX_SEARCH_SECONDS = 60.0


@dataclass(frozen=True)
class Span:
    """Samples [start, end) of the audio."""

    start: int
    end: int

    @property
    def start_seconds(self) -> float:
        return self.start / SAMPLE_RATE

    @property
    def end_seconds(self) -> float:
        return self.end / SAMPLE_RATE


def needs_chunks(duration: float, chunk_seconds: float) -> bool:
    """Media of two chunks or more is cut; shorter media keeps the single job."""
    return duration >= 2 * chunk_seconds


def _open(wav: Path) -> wave.Wave_read:
    try:
        reader = wave.open(str(wav), "rb")  # noqa: SIM115 - the callers close it
    except (wave.Error, EOFError) as exc:
        raise MediaToolError(f"not a PCM WAV: {exc}") from None
    if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
        reader.close()
        raise MediaToolError("expected 16-bit mono PCM")
    return reader


def frame_levels(wav: Path) -> np.ndarray:
    """Mean square level of each 20 ms frame (float32), read a minute at a time."""
    levels: list[np.ndarray] = []
    with _open(wav) as reader:
        while data := reader.readframes(FRAME * 3000):
            samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
            whole = len(samples) // FRAME * FRAME
            if whole:
                blocks = samples[:whole].reshape(-1, FRAME)
                levels.append(np.mean(np.square(blocks), axis=1).astype(np.float32))
            if whole < len(samples):
                levels.append(np.array([np.mean(np.square(samples[whole:]))], np.float32))
    return np.concatenate(levels) if levels else np.zeros(0, np.float32)


def quietest(levels: np.ndarray, lo: int, hi: int, target: int) -> int:
    """The frame in [lo, hi) at the middle of the quietest 300 ms; nearest the target wins
    among equally quiet places (digital silence is often long)."""
    pad = QUIET_SPAN // 2
    first = max(0, lo - pad)
    window = levels[first : hi + pad]
    kernel = np.ones(QUIET_SPAN, np.float32) / QUIET_SPAN
    smooth = np.convolve(window, kernel, mode="same")[lo - first : hi - first]
    floor = float(smooth.min())
    candidates = np.flatnonzero(smooth <= floor * 1.0001 + 1e-12)
    best = candidates[np.argmin(np.abs(candidates + lo - target))]
    return int(best) + lo


def plan_spans(wav: Path, chunk_seconds: float) -> list[Span]:
    """Chunks of about `chunk_seconds`, each boundary in the quietest stretch within a
    quarter chunk (at most a minute) of its nominal place."""
    levels = frame_levels(wav)
    with _open(wav) as reader:
        total = reader.getnframes()
    per_chunk = int(chunk_seconds * 50)
    reach = int(min(chunk_seconds * SEARCH, MAX_SEARCH_SECONDS) * 50)
    cuts: list[int] = []
    last = 0
    while len(levels) - last >= per_chunk + per_chunk // 2:
        target = last + per_chunk
        lo, hi = max(last + 1, target - reach), min(len(levels) - 1, target + reach)
        frame = quietest(levels, lo, hi, target)
        cuts.append(frame)
        last = frame
    bounds = [0, *(c * FRAME for c in cuts), total]
    return [Span(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def write_span(wav: Path, span: Span, dst: Path) -> Path:
    """Samples [start, end) of the WAV into their own WAV, a second at a time."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with _open(wav) as reader, wave.open(str(dst), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(reader.getframerate())
        reader.setpos(span.start)
        left = span.end - span.start
        while left > 0:
            data = reader.readframes(min(left, SAMPLE_RATE))
            if not data:
                break
            out.writeframes(data)
            left -= len(data) // 2
    return dst


# ---------------------------------------------------------------- merging


def shift(result: TranscriptResult, span: Span) -> tuple[Segment, ...]:
    """A chunk's segments on the whole audio's clock, kept inside the chunk's span."""
    lo, hi = span.start_seconds, span.end_seconds

    def at(t: float) -> float:
        return round(min(hi, max(lo, lo + t)), 3)

    return tuple(
        Segment(
            start=at(s.start),
            end=at(s.end),
            text=s.text,
            words=tuple(
                Word(start=at(w.start), end=at(w.end), text=w.text, probability=w.probability)
                for w in s.words
            ),
        )
        for s in result.segments
    )


def merge(parts: Sequence[tuple[Sequence[Segment], str]], duration: float) -> TranscriptResult:
    """The chunks' shifted segments in chunk order; the language most chunks heard."""
    segments = tuple(s for part, _ in parts for s in part)
    languages = [lang for _, lang in parts if lang]
    language = max(set(languages), key=languages.count) if languages else ""
    return TranscriptResult(language=language, duration=duration, segments=segments)


__all__ = ["Span", "frame_levels", "merge", "needs_chunks", "plan_spans", "shift", "write_span"]
