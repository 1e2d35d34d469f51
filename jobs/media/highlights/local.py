"""The built-in highlight scorer: transparent heuristics, no network, no model weights.

Score (0..100) = 100 * sum(weight * signal) / sum(weights), signals in 0..1 (signals.py):

| signal  | weight | what it rewards                                                         |
| ------- | ------ | ----------------------------------------------------------------------- |
| hook    | 30     | a question, number, bold claim or named entity in the first ~5 s        |
| start   | 15     | opening on its own feet, not on "and / so / but / he / it / that"       |
| ending  | 10     | ending on a closed sentence                                             |
| rate    | 10     | 2.0-3.6 words per second                                                |
| filler  | 15     | few "um / uh / like / you know / sort of / basically / actually"       |
| energy  | 12     | louder than the file's median, with lively variation                    |
| bursts  | 8      | sudden loud peaks (laughter / applause proxies)                         |

Without audio features the two audio weights drop out and the rest are renormalised.

With a prompt, the score is half engagement (the above) and half relevance: how well the
clip matches the prompt (relevance.py: BM25 over stemmed words, blended with MiniLM sentence
embeddings for English), and the reason says what the clip is about. Every signal is also
reported as a 0..100 breakdown.
"""

from __future__ import annotations

import asyncio

from jobs.media.highlights import signals as sig
from jobs.media.highlights.embeddings import SentenceEmbedder, shared_embedder
from jobs.media.highlights.relevance import Match, PromptMatcher, prompt_topic
from jobs.media.highlights.titles import title_from_words
from jobs.media.types import AudioFeatures, Candidate, ScoredClip, ScorePart, TranscriptResult

WEIGHTS: dict[str, float] = {
    "hook": 30.0,
    "start": 15.0,
    "ending": 10.0,
    "rate": 10.0,
    "filler": 15.0,
    "energy": 12.0,
    "bursts": 8.0,
}
AUDIO_SIGNALS = ("energy", "bursts")
STRONG = 0.75  # a signal at or above this is worth naming in the reason
PROMPT_SHARE = 0.5  # with a prompt: the share of the score that is relevance
ON_TOPIC = 0.35  # relevance from which the reason says what the clip is about


class LocalScorer:
    """Scores the given candidates; never fails on content, never touches the network.

    `semantic` False (or a non-English transcript) keeps relevance lexical; `embedder`
    replaces the shared one (tests).
    """

    def __init__(
        self,
        weights: dict[str, float] | None = None,
        *,
        prompt: str | None = None,
        semantic: bool = True,
        embedder: SentenceEmbedder | None = None,
    ) -> None:
        self.weights = dict(weights or WEIGHTS)
        self.prompt = (prompt or "").strip() or None
        self.semantic = semantic
        self.embedder = embedder

    async def score(
        self,
        transcript: TranscriptResult,
        audio: AudioFeatures,
        candidates: list[Candidate],
    ) -> list[ScoredClip]:
        profile = sig.AudioProfile(audio)
        matches: list[Match | None] = [None] * len(candidates)
        if self.prompt and candidates:
            matcher = await asyncio.to_thread(self.matcher, transcript)
            matches = list(matcher.match_all([(c.start, c.end) for c in candidates]))
        return [self.score_one(c, profile, m) for c, m in zip(candidates, matches, strict=True)]

    def matcher(self, transcript: TranscriptResult) -> PromptMatcher:
        """The prompt against this transcript (embeds every sentence when semantic)."""
        language = transcript.language or "en"
        embedder = None
        if self.semantic and language.startswith("en"):
            embedder = self.embedder or shared_embedder()
        return PromptMatcher(
            self.prompt or "", transcript.words, language=language, embedder=embedder
        )

    def score_one(
        self, cand: Candidate, profile: sig.AudioProfile, match: Match | None = None
    ) -> ScoredClip:
        hook = sig.detect_hook(cand.words)
        values: dict[str, float] = {
            "hook": hook.score,
            "start": sig.start_score(cand.words),
            "ending": sig.ending_score(cand.words),
            "rate": sig.rate_score(cand.words, cand.duration),
            "filler": sig.filler_score(cand.words),
        }
        if profile.available:
            values["energy"] = profile.energy(cand.start, cand.end)
            values["bursts"] = profile.bursts(cand.start, cand.end)
        total_w = sum(self.weights[k] for k in values)
        score = 100.0 * sum(self.weights[k] * v for k, v in values.items()) / total_w
        detail = dict(values)
        detail.update(
            question=float(hook.question),
            number=float(hook.number),
            claim=float(hook.claim),
            entity=float(hook.entity),
        )
        parts = [ScorePart(k, round(100.0 * v, 1)) for k, v in values.items()]
        reason = explain(hook, values)
        if match is not None:
            score = (1.0 - PROMPT_SHARE) * score + PROMPT_SHARE * 100.0 * match.score
            detail.update(relevance=match.score, lexical=match.lexical)
            if match.semantic is not None:
                detail["semantic"] = match.semantic
            parts.append(ScorePart("relevance", round(100.0 * match.score, 1)))
            reason = about(match, self.prompt or "", reason)
        return ScoredClip(
            start=cand.start,
            end=cand.end,
            score=round(max(0.0, min(100.0, score)), 2),
            title=title_from_words(cand.words),
            reason=reason,
            signals=detail,
            breakdown=tuple(parts),
        )


def about(match: Match, prompt: str, reason: str) -> str:
    """The engagement reason led by what the clip is about ("About pricing: opens with ...")."""
    rest = reason[:1].lower() + reason[1:]
    if match.score >= ON_TOPIC:
        return f"About {_join(list(match.matched[:3])) or prompt_topic(prompt)}: {rest}"
    return f"Only loosely about {prompt_topic(prompt)}; {rest}"


def explain(hook: sig.Hook, values: dict[str, float]) -> str:
    """One sentence naming the signals that carried the score."""
    opens: list[str] = []
    if hook.question:
        opens.append("a question")
    if hook.number:
        opens.append("a concrete number")
    if hook.claim:
        opens.append("a bold claim")
    if hook.entity:
        opens.append("a named person, place or brand")
    parts: list[str] = []
    if opens:
        parts.append("Opens with " + _join(opens[:3]))
    delivery: list[str] = []
    if values.get("filler", 0) >= STRONG and values.get("rate", 0) >= STRONG:
        delivery.append("clear, filler-free delivery")
    elif values.get("filler", 0) >= STRONG:
        delivery.append("filler-free delivery")
    elif values.get("rate", 0) >= STRONG:
        delivery.append("a brisk, clear pace")
    if values.get("bursts", 0) >= 0.5:
        delivery.append("audience-reaction peaks in the audio")
    if values.get("energy", 0) >= STRONG:
        delivery.append("high vocal energy")
    if values.get("start", 0) >= 1.0 and values.get("ending", 0) >= 1.0:
        delivery.append("stands on its own from first word to last")
    if not parts and not delivery:
        weak = min(values, key=lambda k: values[k])
        return f"A steady passage without a strong hook; weakest signal: {weak}."
    text = "; ".join(parts + [_join(delivery)] if delivery else parts)
    text = text[0].upper() + text[1:]
    return text + "."


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
