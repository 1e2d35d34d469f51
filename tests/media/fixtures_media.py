"""Generate small test media with known speech: espeak-ng sentences over an ffmpeg test pattern.

Importable as a plain module by any test package: ``make_talk(dir, sentences)`` returns the
video and the exact onset (seconds) of each sentence, because each sentence's audio is
trimmed to its first audible sample and placed after a known silence.
"""

from __future__ import annotations

import re
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050  # espeak-ng's native rate
TRIM_THRESHOLD = 300  # int16 amplitude counted as speech (about -40 dBFS)

DEFAULT_SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Our new product helps creators share short videos every single day.",
    "Nobody expected the results to be this good.",
    "Remember to drink water and take a short walk.",
    "Thank you all for listening to this little talk.",
)


def speak(text: str, dst: Path, *, voice: str = "en-us", speed: int = 155) -> np.ndarray:
    """espeak-ng the text to dst and return its samples with silence trimmed at both ends."""
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(dst), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(dst), "rb") as w:
        assert w.getframerate() == SAMPLE_RATE and w.getsampwidth() == 2
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_THRESHOLD)
    return samples[loud[0] : loud[-1] + 1]


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())


def make_speech(
    directory: Path, sentences: Sequence[str], *, silence: float = 1.5, lead: float = 1.0
) -> tuple[Path, list[float], list[float]]:
    """A WAV of the sentences separated by silence; returns (wav, onsets, ends) in seconds."""
    directory.mkdir(parents=True, exist_ok=True)
    parts: list[np.ndarray] = [np.zeros(int(lead * SAMPLE_RATE), np.int16)]
    onsets: list[float] = []
    ends: list[float] = []
    pos = len(parts[0])
    for i, text in enumerate(sentences):
        speech = speak(text, directory / f"sentence_{i}.wav")
        onsets.append(pos / SAMPLE_RATE)
        parts.append(speech)
        pos += len(speech)
        ends.append(pos / SAMPLE_RATE)
        gap = np.zeros(int(silence * SAMPLE_RATE), np.int16)
        parts.append(gap)
        pos += len(gap)
    wav = directory / "talk.wav"
    write_wav(wav, np.concatenate(parts))
    return wav, onsets, ends


def make_talk(
    directory: Path,
    sentences: Sequence[str] = DEFAULT_SENTENCES,
    *,
    silence: float = 1.5,
    lead: float = 1.0,
    size: str = "320x240",
    fps: int = 25,
) -> tuple[Path, list[float]]:
    """An MP4 (testsrc2 video, AAC speech) of the sentences; returns (video, sentence onsets)."""
    directory = Path(directory)
    wav, onsets, _ends = make_speech(directory, sentences, silence=silence, lead=lead)
    video = directory / "talk.mp4"
    mux(wav, video, size=size, fps=fps)
    return video, onsets


def mux(wav: Path, video: Path, *, size: str = "320x240", fps: int = 25) -> Path:
    """Put a testsrc2 pattern under the audio, as long as the audio."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
        + ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}", "-i", str(wav)]
        + ["-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "libx264", "-preset", "ultrafast"]
        + ["-g", str(fps * 2), "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(video)],
        check=True,
        capture_output=True,
    )
    return video


def make_silent_video(path: Path, *, seconds: float = 2.0, size: str = "320x240") -> Path:
    """A video with no audio stream at all."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
        + ["-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on lower-cased words."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            cost = min(row[j] + 1, row[j - 1] + 1, diagonal + (ref[i - 1] != hyp[j - 1]))
            diagonal, row[j] = row[j], cost
    return row[len(hyp)] / max(1, len(ref))
