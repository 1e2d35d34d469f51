"""Audio for the pipeline: a 16 kHz mono WAV for Whisper, and per-second loudness.

Loudness is read from the WAV in one-second chunks, so memory stays flat however long the
upload is (a 10 h WAV is about 1.1 GB).
"""

from __future__ import annotations

import math
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from core.config import Settings
from core.ffmpeg_exec import MediaToolError, run_configured
from jobs.media.types import AudioFeatures

SAMPLE_RATE = 16_000
SILENCE_DBFS = -90.0  # floor for digital silence (log of zero)


async def extract_audio(
    src: str | Path, dst_wav: Path, *, settings: Settings | None = None
) -> Path:
    """Decode the first audio track to mono 16 kHz pcm_s16le WAV (what Whisper expects)."""
    dst_wav = Path(dst_wav)
    dst_wav.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst_wav.with_name(f".{dst_wav.stem}.part.wav")
    argv = ["ffmpeg", "-y", "-i", str(src), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    argv += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "wav", str(tmp)]
    try:
        await run_configured(argv, settings)
        tmp.replace(dst_wav)
    finally:
        tmp.unlink(missing_ok=True)
    return dst_wav


def _chunks(wav: Path) -> Iterator[np.ndarray]:
    """One-second blocks of float samples in [-1, 1] (the last one may be shorter)."""
    try:
        reader = wave.open(str(wav), "rb")  # noqa: SIM115 - closed by the with below
    except (wave.Error, EOFError) as exc:
        raise MediaToolError(f"not a PCM WAV: {exc}") from None
    with reader:
        if reader.getsampwidth() != 2:
            raise MediaToolError("expected 16-bit PCM")
        rate, channels = reader.getframerate(), reader.getnchannels()
        while frames := reader.readframes(rate):
            data = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
            if channels > 1:
                data = data.reshape(-1, channels).mean(axis=1)
            yield data


def dbfs(samples: np.ndarray) -> float:
    """RMS level in dBFS (0 for a full-scale square wave, about -3 for a full sine)."""
    if samples.size == 0:
        return SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DBFS, 20.0 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


def loudness(wav: Path) -> list[float]:
    """Per-second RMS loudness (dBFS), streamed from a 16-bit PCM WAV."""
    return [round(dbfs(block), 2) for block in _chunks(wav)]


def detect_peaks(
    levels: Sequence[float], *, jump_db: float = 9.0, window: int = 5, floor_db: float = -45.0
) -> list[float]:
    """Seconds where loudness bursts at least jump_db above the median of the seconds before.

    Laughs, applause and shouting show up this way; the median of the previous window is
    robust to one earlier burst, and quiet seconds below floor_db never count.
    """
    peaks: list[float] = []
    for i, level in enumerate(levels):
        if level < floor_db or i == 0:
            continue
        before = levels[max(0, i - window) : i]
        if level - float(np.median(before)) >= jump_db and (not peaks or i - peaks[-1] > 1):
            peaks.append(float(i))
    return peaks


def audio_features(wav: Path) -> AudioFeatures:
    """Loudness per second and burst times for the highlight scorer."""
    levels = loudness(wav)
    return AudioFeatures(loudness=tuple(levels), peaks=tuple(detect_peaks(levels)))


__all__ = ["audio_features", "dbfs", "detect_peaks", "extract_audio", "loudness"]
