"""Snap the start of words that follow a pause to where speech really begins in the audio.

Measured on espeak-ng speech with known sentence onsets: Whisper's start for the first
word after a pause was off by -450 to +320 ms (tiny.en and base), early when the VAD's
400 ms padding leaked into the word, late otherwise, so no constant shift fixes it.
The audio itself shows the onset: the first 10 ms frame, after a quiet one, that rises
well above the local noise floor. Subtitle cues begin on these words, so this is what
makes captions appear with the voice.
"""

from __future__ import annotations

import dataclasses
import wave
from pathlib import Path

import numpy as np

from jobs.media.types import Segment, TranscriptResult, Word

FRAME_S = 0.010
BEFORE_S = 0.5  # how far before Whisper's start to look for the onset
AFTER_S = 0.6  # and how far after it
MIN_PAUSE_S = 0.12  # only words after at least this much gap are refined
RISE_DB = 15.0  # onset: this far above the window's noise floor ...
ABS_FLOOR_DBFS = -55.0  # ... and at least this loud
HOLD_FRAMES = 3  # and loud for 30 ms, so clicks do not count


def _frame_db(samples: np.ndarray, frame: int) -> np.ndarray:
    n = len(samples) // frame
    if n == 0:
        return np.zeros(0)
    blocks = samples[: n * frame].astype(np.float64).reshape(n, frame) / 32768.0
    rms = np.sqrt(np.mean(blocks * blocks, axis=1))
    return 20.0 * np.log10(np.maximum(rms, 1e-6))


def find_onset(levels: np.ndarray) -> int | None:
    """Index of the first frame that rises from quiet to speech level and holds, or None."""
    if len(levels) < HOLD_FRAMES + 1:
        return None
    floor = float(np.percentile(levels, 10))
    threshold = max(floor + RISE_DB, ABS_FLOOR_DBFS)
    loud = levels >= threshold
    for i in range(1, len(levels) - HOLD_FRAMES + 1):
        if not loud[i - 1] and loud[i : i + HOLD_FRAMES].all():
            return i
    return None


class _Audio:
    """Random access to windows of a 16-bit PCM WAV (no whole-file load)."""

    def __init__(self, path: Path):
        self._wav = wave.open(str(path), "rb")  # noqa: SIM115 - closed by close()
        self.rate = self._wav.getframerate()
        self.channels = self._wav.getnchannels()
        self.frames = self._wav.getnframes()
        if self._wav.getsampwidth() != 2:
            raise ValueError("expected 16-bit PCM")

    def window(self, start: float, end: float) -> np.ndarray:
        first = max(0, int(start * self.rate))
        last = min(self.frames, int(end * self.rate))
        if last <= first:
            return np.zeros(0, np.int16)
        self._wav.setpos(first)
        data = np.frombuffer(self._wav.readframes(last - first), dtype="<i2")
        if self.channels > 1:
            data = data.reshape(-1, self.channels).mean(axis=1).astype(np.int16)
        return data

    def close(self) -> None:
        self._wav.close()


def refine_onsets(result: TranscriptResult, wav: Path) -> TranscriptResult:
    """Move each post-pause word's start to the audible onset nearby, when one is clear."""
    audio = _Audio(wav)
    try:
        frame = max(1, int(audio.rate * FRAME_S))
        segments: list[Segment] = []
        prev_end = 0.0
        for seg in result.segments:
            words: list[Word] = []
            for word in seg.words:
                new_start, new_end = word.start, word.end
                if word.start - prev_end >= MIN_PAUSE_S or not words and not segments:
                    lo = max(prev_end, word.start - BEFORE_S)
                    hi = word.start + AFTER_S
                    if hi - lo > (HOLD_FRAMES + 1) * FRAME_S:
                        onset = find_onset(_frame_db(audio.window(lo, hi), frame))
                        if onset is not None:
                            new_start = round(lo + onset * FRAME_S, 3)
                            new_end = max(word.end, round(new_start + 0.05, 3))
                words.append(dataclasses.replace(word, start=new_start, end=new_end))
                prev_end = word.end
            start = words[0].start if words else seg.start
            segments.append(dataclasses.replace(seg, start=start, words=tuple(words)))
        return dataclasses.replace(result, segments=tuple(segments))
    finally:
        audio.close()


__all__ = ["find_onset", "refine_onsets"]
