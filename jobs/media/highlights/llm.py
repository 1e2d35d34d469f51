"""LLM highlight ranker: windowed proposals over the timed transcript, then a global re-rank.

Long videos are cut into overlapping windows (9 minutes, overlapping by the longest clip) so
the model reads every part with the same attention and the opening is not favoured (at
most `concurrency` window calls run at once). Each
window's proposals are validated, snapped onto word and sentence boundaries and clamped to
[min, max] seconds. A final call scores all surviving proposals side by side so scores from
different windows compare; if that call keeps failing validation, scores are centred per
window instead.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from jobs.media.highlights.llm_client import (
    InvalidReply,
    LLMInvalidResponse,
    chat_json,
    make_client,
)
from jobs.media.highlights.sentences import Sentence, split_sentences
from jobs.media.highlights.snap import snap_clip
from jobs.media.highlights.titles import title_from_text
from jobs.media.types import AudioFeatures, Candidate, ScoredClip, TranscriptResult

log = logging.getLogger(__name__)

WINDOW_SECONDS = 540.0


class LLMClip(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    start: float
    end: float
    score: float = Field(ge=0, le=100)
    title: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=600)


class LLMClipList(BaseModel):
    clips: list[LLMClip]


class LLMScore(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    id: int
    score: float = Field(ge=0, le=100)


class LLMScoreList(BaseModel):
    scores: list[LLMScore]


@dataclass(frozen=True)
class Window:
    index: int
    start: float
    end: float
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Proposal:
    window: int
    start: float
    end: float
    score: float
    title: str
    reason: str
    text: str


SYSTEM_PROMPT = (
    "You are a senior short-form video editor. You pick moments from long videos that "
    "will hold attention as standalone TikTok, Reels and Shorts clips: a strong hook in the "
    "first seconds (a question, a surprising number, a bold claim), a self-contained idea "
    "that needs no earlier context, and a clean ending. You answer with JSON only."
)


class LLMRanker:
    """Scorer backed by an OpenAI-compatible chat model (see the module doc)."""

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        min_seconds: float = 20.0,
        max_seconds: float = 60.0,
        window_seconds: float = WINDOW_SECONDS,
        overlap_seconds: float | None = None,
        attempts: int = 3,
        transient_attempts: int = 3,
        backoff: float = 1.0,
        concurrency: int = 2,
    ) -> None:
        self.client = client
        self.concurrency = concurrency
        self.model = model
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        self.window_seconds = max(window_seconds, 2 * max_seconds)
        self.overlap_seconds = max_seconds if overlap_seconds is None else overlap_seconds
        self.attempts = attempts
        self.transient_attempts = transient_attempts
        self.backoff = backoff

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> LLMRanker:
        return cls(
            make_client(settings),
            settings.llm_model,
            min_seconds=settings.clip_min_seconds,
            max_seconds=settings.clip_max_seconds,
            **kwargs,
        )

    async def score(
        self,
        transcript: TranscriptResult,
        audio: AudioFeatures,
        candidates: list[Candidate],
    ) -> list[ScoredClip]:
        """Propose and score clips; `candidates` are not needed (the model proposes its own)."""
        sentences = split_sentences(
            transcript.words, max_sentence_seconds=min(15.0, self.max_seconds / 2)
        )
        if not sentences:
            return []
        windows = make_windows(sentences, self.window_seconds, self.overlap_seconds)
        gate = asyncio.Semaphore(max(1, self.concurrency))

        async def propose(w: Window) -> list[Proposal]:
            async with gate:
                return await self._propose(w, sentences, transcript.duration)

        tasks = [asyncio.ensure_future(propose(w)) for w in windows]
        try:
            per_window = await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:  # one window failed: the job fails, stop spending on the rest
                t.cancel()
            raise
        proposals = [p for found in per_window for p in found]
        log.info("llm ranker: %d windows, %d proposals", len(windows), len(proposals))
        proposals = dedupe(proposals)
        if len(windows) > 1 and len(proposals) > 1:
            proposals = await self._rerank(proposals)
        return [
            ScoredClip(
                start=p.start,
                end=p.end,
                score=round(p.score, 2),
                title=p.title,
                reason=p.reason,
                signals={"window": float(p.window)},
            )
            for p in proposals
        ]

    async def _chat(self, messages: list[dict[str, str]], validate: Any) -> Any:
        return await chat_json(
            self.client,
            self.model,
            messages,
            validate,
            attempts=self.attempts,
            transient_attempts=self.transient_attempts,
            backoff=self.backoff,
        )

    async def _propose(
        self, w: Window, sentences: Sequence[Sentence], duration: float
    ) -> list[Proposal]:
        want = max(2, math.ceil((w.end - w.start) / 120))
        # words a snapped clip may cover: this window plus one clip length either side
        w_words = [
            x
            for s in sentences
            if w.start - self.max_seconds <= s.start <= w.end + self.max_seconds
            for x in s.words
        ]
        lines = "\n".join(f"[{s.start:.2f}-{s.end:.2f}] {s.text}" for s in w.sentences)
        user = (
            f"Transcript excerpt from {w.start:.2f}s to {w.end:.2f}s of a {duration:.0f}s video; "
            "each line is one sentence with its start and end time in seconds.\n\n"
            f"{lines}\n\n"
            f"Pick up to {want} of the most engaging standalone clips in this excerpt. Each "
            f"clip must last between {self.min_seconds:.0f} and {self.max_seconds:.0f} seconds, "
            "start at the start time of a sentence and end at the end time of a sentence, "
            f"inside {w.start:.2f}-{w.end:.2f}. Clips must not overlap.\n"
            'Reply with a JSON object: {"clips": [{"start": <seconds>, "end": <seconds>, '
            '"score": <0-100 virality>, "title": "<under 70 chars, in the speaker\'s words>", '
            '"reason": "<one sentence: why it works>"}]}'
        )

        def validate(obj: dict[str, Any]) -> list[Proposal]:
            parsed = LLMClipList.model_validate(obj)
            out: list[Proposal] = []
            misses: list[str] = []
            for c in parsed.clips:
                if c.end <= c.start:
                    misses.append(f"clip {c.start}-{c.end} ends before it starts")
                    continue
                # a proposal must overlap its window; snapping fixes small slips only
                if c.end <= w.start - 1.0 or c.start >= w.end + 1.0:
                    misses.append(f"clip {c.start}-{c.end} is outside {w.start:.2f}-{w.end:.2f}")
                    continue
                snapped = snap_clip(
                    c.start,
                    c.end,
                    sentences,
                    min_seconds=self.min_seconds,
                    max_seconds=self.max_seconds,
                )
                if snapped is None:
                    misses.append(f"clip {c.start}-{c.end} is outside the transcript")
                    continue
                a, b = snapped
                text = " ".join(x.text.strip() for x in w_words if a <= x.start < b)
                out.append(
                    Proposal(
                        window=w.index,
                        start=a,
                        end=b,
                        score=c.score,
                        title=title_from_text(c.title),
                        reason=" ".join(c.reason.split()),
                        text=text,
                    )
                )
            if misses and not out:
                raise InvalidReply("; ".join(misses))
            if misses:
                log.info("dropped %d out-of-range LLM clips in window %d", len(misses), w.index)
            return out

        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
        ]
        result: list[Proposal] = await self._chat(messages, validate)
        return result

    async def _rerank(self, proposals: list[Proposal]) -> list[Proposal]:
        listing = "\n".join(
            f"{i}. ({p.end - p.start:.0f}s) {p.title} | {_excerpt(p.text)}"
            for i, p in enumerate(proposals)
        )
        user = (
            "These candidate clips come from different parts of one video. Score every one "
            "0-100 on the same scale (how likely it is to hold a viewer as a standalone short "
            "clip), comparing them with each other.\n\n"
            f"{listing}\n\n"
            'Reply with a JSON object: {"scores": [{"id": <number>, "score": <0-100>}]} with '
            f"exactly one entry for each id from 0 to {len(proposals) - 1}."
        )
        ids = set(range(len(proposals)))

        def validate(obj: dict[str, Any]) -> dict[int, float]:
            parsed = LLMScoreList.model_validate(obj)
            got = {s.id: s.score for s in parsed.scores if s.id in ids}
            missing = sorted(ids - got.keys())
            if missing:
                raise InvalidReply(f"missing scores for ids {missing[:20]}")
            return got

        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
        ]
        try:
            scores: dict[int, float] = await self._chat(messages, validate)
        except LLMInvalidResponse as e:
            log.warning("global re-rank failed validation (%s); centring scores per window", e)
            return centre_by_window(proposals)
        return [_with_score(p, scores[i]) for i, p in enumerate(proposals)]


def make_windows(
    sentences: Sequence[Sentence], window_seconds: float, overlap_seconds: float
) -> list[Window]:
    """Overlapping time windows of whole sentences covering the transcript."""
    t0, t1 = sentences[0].start, sentences[-1].end
    step = max(1.0, window_seconds - overlap_seconds)
    out: list[Window] = []
    ws = t0
    while True:
        we = ws + window_seconds
        if t1 - we < overlap_seconds:  # a tail shorter than the overlap joins this window
            we = t1
        inside = tuple(s for s in sentences if s.start >= ws and s.start < we)
        if inside:
            out.append(Window(len(out), inside[0].start, inside[-1].end, inside))
        if we >= t1:
            return out
        ws += step


def dedupe(proposals: list[Proposal]) -> list[Proposal]:
    """Proposals from overlapping windows often repeat: keep the best of near-duplicates."""
    kept: list[Proposal] = []
    for p in sorted(proposals, key=lambda p: -p.score):
        if all(_overlap_ratio(p, k) < 0.5 for k in kept):
            kept.append(p)
    return kept


def centre_by_window(proposals: list[Proposal]) -> list[Proposal]:
    """Shift each window's scores to the global mean, so no window's leniency dominates."""
    overall = sum(p.score for p in proposals) / len(proposals)
    by_window: dict[int, list[float]] = {}
    for p in proposals:
        by_window.setdefault(p.window, []).append(p.score)
    means = {k: sum(v) / len(v) for k, v in by_window.items()}
    return [_with_score(p, p.score - means[p.window] + overall) for p in proposals]


def _with_score(p: Proposal, score: float) -> Proposal:
    return Proposal(
        p.window, p.start, p.end, max(0.0, min(100.0, score)), p.title, p.reason, p.text
    )


def _overlap_ratio(a: Proposal, b: Proposal) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    shorter = min(a.end - a.start, b.end - b.start)
    return inter / shorter if inter > 0 and shorter > 0 else 0.0


def _excerpt(text: str, words: int = 70) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
