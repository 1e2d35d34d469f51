"""Choosing the final clips: how many, which engine, and the best non-overlapping set."""

from __future__ import annotations

from collections.abc import Sequence

from core.clip_options import ClipOptions
from core.config import Settings
from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.local import LocalScorer
from jobs.media.highlights.scorer import Scorer
from jobs.media.types import AudioFeatures, ScoredClip, TranscriptResult

MAX_AUTO_CLIPS = 20
SECONDS_PER_AUTO_CLIP = 150.0  # about one clip per 2.5 minutes of video


def target_count(clip_count: int, duration: float) -> int:
    """`clip_count` when set (> 0); otherwise one per ~2.5 minutes, between 1 and 20."""
    if clip_count > 0:
        return clip_count
    return max(1, min(MAX_AUTO_CLIPS, round(duration / SECONDS_PER_AUTO_CLIP)))


def select_top(clips: Sequence[ScoredClip], n: int) -> list[ScoredClip]:
    """The n best clips that do not overlap each other, best first (ties: earlier first)."""
    chosen: list[ScoredClip] = []
    for c in sorted(clips, key=lambda c: (-c.score, c.start, c.end)):
        if len(chosen) >= n:
            break
        if all(c.end <= k.start or c.start >= k.end for k in chosen):
            chosen.append(c)
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
) -> list[ScoredClip]:
    """Candidates -> scores -> top non-overlapping clips, best first.

    The clip stage's one call: `options` (the upload's, defaults from the settings when
    None) give the lengths, the count and the prompt. Each pick carries its score, title,
    reason and breakdown.
    """
    options = options or ClipOptions.defaults(settings)
    engine = engine or pick_engine(settings, options)
    candidates = build_candidates(
        transcript, min_seconds=options.min_seconds, max_seconds=options.max_seconds
    )
    scored = await engine.score(transcript, audio, candidates)
    return select_top(scored, target_count(options.count or 0, transcript.duration))
