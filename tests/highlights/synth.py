"""Synthetic transcripts with exact word timings, so tests know every boundary."""

from __future__ import annotations

from collections.abc import Sequence

from jobs.media.types import AudioFeatures, Segment, TranscriptResult, Word


def transcript(
    sentences: Sequence[str],
    *,
    start: float = 0.5,
    wps: float = 2.8,
    pause: float = 0.45,
    tail: float = 1.0,
) -> TranscriptResult:
    """One segment per sentence; words spoken at `wps`, `pause` seconds between sentences."""
    t = start
    step = 1.0 / wps
    segments: list[Segment] = []
    for sentence in sentences:
        words: list[Word] = []
        for token in sentence.split():
            words.append(Word(start=round(t, 3), end=round(t + step * 0.85, 3), text=" " + token))
            t += step
        t += pause
        segments.append(Segment(words[0].start, words[-1].end, sentence, tuple(words)))
    end = segments[-1].end if segments else 0.0
    return TranscriptResult(language="en", duration=round(end + tail, 3), segments=tuple(segments))


def flat_audio(duration: float, level: float = -20.0) -> AudioFeatures:
    return AudioFeatures(loudness=tuple(level for _ in range(int(duration) + 1)))


NEUTRAL = [
    "We spent the morning walking through the market near the river.",
    "The stalls sold bread, cheese, vegetables and some flowers for the table.",
    "After lunch we went back to the hotel to rest for a while.",
    "In the evening the streets were quiet and the air was cool.",
    "We had dinner in a small place with a view of the old bridge.",
    "The next day started with rain, so we stayed inside and read.",
]
