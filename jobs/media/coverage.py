"""How much of the speech a transcript accounts for: the check that catches Whisper skipping.

Prompted decoding (the verbatim prompt) keeps filler words, but now and then throws Whisper's
timestamps forward: seen on a 40 s talk decoded by tiny.en, the first sentence came out
mistimed at 21 s and the four sentences after it were never written, with nothing in
faster-whisper's own checks (compression ratio, log probability) noticing. Voice activity
says where someone speaks; speech with no word near it is what a transcript lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jobs.media.types import Word

SAMPLE_RATE = 16_000
SLACK_S = 0.5  # speech this close to a word counts as that word's (VAD pads, words drift)
MIN_SILENCE_MS = 300  # split speech at pauses between sentences, not only at long ones
LOST_S = 2.0  # at least this much speech without words is a loss, not VAD noise
LOST_SHARE = 0.1  # ... and at least this share of all the speech


@dataclass(frozen=True)
class Coverage:
    speech: float  # seconds of speech found by voice activity detection
    uncovered: float  # seconds of it with no transcribed word within SLACK_S

    @property
    def lost_speech(self) -> bool:
        """Too much speech without words to be VAD noise: the decode skipped some."""
        return self.uncovered >= max(LOST_S, LOST_SHARE * self.speech)


def speech_spans(audio: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of speech in 16 kHz mono float samples."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(
        audio, VadOptions(min_silence_duration_ms=MIN_SILENCE_MS, speech_pad_ms=100)
    )
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in found]


def coverage(spans: Sequence[tuple[float, float]], words: Sequence[Word]) -> Coverage:
    """Speech time, and how much of it lies farther than SLACK_S from every word."""
    covered = _merge(sorted((w.start - SLACK_S, w.end + SLACK_S) for w in words))
    speech = uncovered = 0.0
    for start, end in spans:
        speech += end - start
        overlap = sum(max(0.0, min(end, b) - max(start, a)) for a, b in covered)
        uncovered += max(0.0, end - start - overlap)
    return Coverage(speech=round(speech, 3), uncovered=round(uncovered, 3))


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


__all__ = ["LOST_S", "SAMPLE_RATE", "Coverage", "coverage", "speech_spans"]
