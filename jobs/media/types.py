"""Plain data passed between the media stages (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class TranscriptResult:
    language: str
    duration: float
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]


@dataclass(frozen=True)
class AudioFeatures:
    """Per-second loudness (dBFS, one value per second of audio)."""

    loudness: tuple[float, ...] = ()
    peaks: tuple[float, ...] = ()  # seconds where loudness bursts above its recent level


@dataclass(frozen=True)
class Candidate:
    """A window of whole sentences: start/end sit on word boundaries."""

    start: float
    end: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text.strip() for w in self.words).strip()

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ScorePart:
    """One named component behind a clip's score (a local signal or an LLM sub-score)."""

    name: str
    score: float  # 0..100


@dataclass(frozen=True)
class ScoredClip:
    start: float
    end: float
    score: float  # 0..100
    title: str
    reason: str
    signals: dict[str, float] = field(default_factory=dict)
    breakdown: tuple[ScorePart, ...] = ()  # what `score` is made of, for apps to show


@dataclass(frozen=True)
class PlatformCaption:
    platform: str  # TIKTOK, INSTAGRAM, YOUTUBE_SHORTS, LINKEDIN, X
    text: str
    hashtags: tuple[str, ...]
    title: str = ""  # YOUTUBE_SHORTS only (max 100 characters)
