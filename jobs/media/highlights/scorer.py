"""The one interface every highlight engine implements (local heuristics or an LLM)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from jobs.media.types import AudioFeatures, Candidate, ScoredClip, TranscriptResult


@runtime_checkable
class Scorer(Protocol):
    """Scores clip windows 0..100; boundaries of returned clips sit on word boundaries.

    Engines may score the given candidates (local) or propose their own windows from the
    transcript (LLM); either way the caller selects the non-overlapping best.
    """

    async def score(
        self,
        transcript: TranscriptResult,
        audio: AudioFeatures,
        candidates: list[Candidate],
    ) -> list[ScoredClip]: ...
