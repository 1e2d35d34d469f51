"""Choosing the final clips: how many, which engine, and the best non-overlapping set."""

from __future__ import annotations

from collections.abc import Sequence

from core.clip_options import ClipOptions, by_length
from core.config import Settings
from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.local import LocalScorer
from jobs.media.highlights.scorer import Scorer
from jobs.media.types import AudioFeatures, ScoredClip, TranscriptResult


def target_count(clip_count: int, duration: float) -> int:
    """`clip_count` when set (> 0); otherwise one per ~2.5 minutes, between 1 and 20."""
    return by_length(clip_count, duration) or 1


def select_top(
    clips: Sequence[ScoredClip], n: int, avoid: Sequence[tuple[float, float]] = ()
) -> list[ScoredClip]:
    """The n best clips that overlap neither each other nor a span of `avoid` (clips the
    user made, which a reclip keeps), best first (ties: earlier first)."""
    chosen: list[ScoredClip] = []
    taken = list(avoid)
    for c in sorted(clips, key=lambda c: (-c.score, c.start, c.end)):
        if len(chosen) >= n:
            break
        if all(c.end <= a or c.start >= b for a, b in taken):
            chosen.append(c)
            taken.append((c.start, c.end))
    return chosen


def pick_engine(settings: Settings, options: ClipOptions | None = None) -> Scorer:
    """The LLM ranker when an LLM base URL is configured, else the local scorer.

    Either is steered by the options' prompt; the LLM also takes their clip lengths.
    """
    if settings.llm_base_url:
        from jobs.media.highlights.llm import LLMRanker

        return LLMRanker.from_settings(settings, options=options)
    return LocalScorer(prompt=options.prompt if options else None)


async def find_highlights(
    transcript: TranscriptResult,
    audio: AudioFeatures,
    settings: Settings,
    engine: Scorer | None = None,
    *,
    options: ClipOptions | None = None,
    avoid: Sequence[tuple[float, float]] = (),
) -> list[ScoredClip]:
    """Candidates -> scores -> top non-overlapping clips, best first.

    The clip stage's one call: `options` (the upload's, defaults from the settings when
    None) give the lengths, the count and the prompt. Each pick carries its score, title,
    reason and breakdown. No pick overlaps a span of `avoid`.
    """
    options = options or ClipOptions.defaults(settings)
    engine = engine or pick_engine(settings, options)
    candidates = build_candidates(
        transcript, min_seconds=options.min_seconds, max_seconds=options.max_seconds
    )
    scored = await engine.score(transcript, audio, candidates)
    return select_top(scored, target_count(options.count or 0, transcript.duration), avoid)
