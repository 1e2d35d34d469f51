"""The audio's loudness over time at a fine rate (default 25 values a second), from FFmpeg.

The active-speaker cue compares it with mouth movement, and the cleanup planner finds the
silences between words in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.config import Settings
from core.ffmpeg_exec import run_configured

RATE = 8000  # samples per second decoded: enough for a loudness envelope
FLOOR_DB = -90.0


@dataclass(frozen=True)
class Envelope:
    """RMS level in dBFS of consecutive frames of `step` seconds, from t = 0."""

    step: float
    db: np.ndarray

    def at(self, times: np.ndarray, width: float | None = None) -> np.ndarray:
        """Mean level (dB) over [t - width/2, t + width/2] for each t (default: one step)."""
        if self.db.size == 0:
            return np.full(len(times), FLOOR_DB)
        half = max(1, round((width or self.step) / self.step / 2))
        out = np.empty(len(times))
        for i, t in enumerate(times):
            c = int(t / self.step)
            lo, hi = max(0, c - half), min(self.db.size, c + half + 1)
            out[i] = float(self.db[lo:hi].mean()) if hi > lo else FLOOR_DB
        return out

    @property
    def duration(self) -> float:
        return self.db.size * self.step


def levels_of(samples: np.ndarray, rate: int, step: float) -> np.ndarray:
    """dBFS of each `step`-second frame of float samples in [-1, 1]."""
    n = max(1, round(rate * step))
    count = samples.size // n
    if count == 0:
        return np.zeros(0)
    blocks = samples[: count * n].reshape(count, n).astype(np.float64)
    rms = np.sqrt(np.mean(blocks * blocks, axis=1))
    return np.maximum(FLOOR_DB, 20 * np.log10(np.maximum(rms, 1e-9)))


async def loudness_envelope(
    src: str | Path,
    start: float,
    end: float,
    *,
    step: float = 0.04,
    settings: Settings | None = None,
) -> Envelope:
    """Loudness of [start, end) of the first audio track; empty when there is none."""
    argv = ["ffmpeg", "-ss", f"{start:.3f}", "-i", str(src), "-t", f"{end - start:.3f}"]
    argv += ["-map", "0:a:0?", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(RATE)]
    argv += ["-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"]
    data = await run_configured(argv, settings)
    samples = np.frombuffer(data[: len(data) // 2 * 2], "<i2").astype(np.float32) / 32768.0
    return Envelope(step=step, db=levels_of(samples, RATE, step))


__all__ = ["Envelope", "levels_of", "loudness_envelope"]
