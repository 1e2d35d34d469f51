"""How well a span of a transcript matches a creator's prompt, 0..1, offline.

Two measures, blended when both are available:

- lexical: BM25 of the prompt's stemmed words over the span's words (IDF from the
  transcript's sentences), divided by what an average-length span saying each prompt word
  twice would score, capped at 1;
- semantic: cosine between the prompt's embedding and the span's (the word-weighted mean
  of its sentences' embeddings; embeddings.py), mapped from [SEMANTIC_FLOOR, SEMANTIC_FULL]
  onto 0..1. English only; other languages use the lexical measure alone.

Spans are any [start, end] in seconds: a word belongs to a span when its middle does (the
rule subtitles use), so candidates, LLM proposals and transcript segments all work.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jobs.media.highlights.embeddings import SentenceEmbedder
from jobs.media.highlights.lexical import BM25, Analyzer
from jobs.media.highlights.sentences import split_sentences
from jobs.media.types import Word

SEMANTIC_FLOOR = 0.15  # MiniLM cosine of unrelated English text sits around -0.1..0.2
SEMANTIC_FULL = 0.65  # and of a passage on the prompt's topic around 0.4..0.8
LEXICAL_SHARE = 0.5  # the blend when both measures are available
SENTENCE_SECONDS = 15.0

_REQUEST = re.compile(
    r"^(?:please\s+)?"
    r"(?:(?:find|show|give|get|pick|make|cut|clip|i\s+want|i'd\s+like|want)\s+)?"
    r"(?:me\s+)?(?:(?:the|some|all|any)\s+)?(?:(?:best|top|key)\s+)?"
    r"(?:(?:moments?|clips?|parts?|bits?|sections?|segments?|highlights?|passages?)\s+)?"
    r"(?:(?:where|when)\s+(?:(?:they|he|she|we|you|i|the\s+speakers?)\s+)?"
    r"(?:talks?|speaks?|discuss(?:es)?|mentions?|explains?)\s+)?"
    r"(?:(?:about|on|regarding|of|with|covering)\s+)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Match:
    score: float  # 0..1, the blend
    lexical: float  # 0..1
    semantic: float | None  # 0..1, None when not measured
    matched: tuple[str, ...]  # the prompt's own words found in the span, in prompt order


def prompt_topic(prompt: str, limit: int = 60) -> str:
    """What the prompt is about, for reasons: "Find the moments about pricing" -> "pricing"."""
    text = " ".join(prompt.split()).strip(" .!?;:")
    topic = _REQUEST.sub("", text + " ", count=1).strip(" .!?;:") or text
    if len(topic) > limit:
        topic = topic[:limit].rsplit(" ", 1)[0] + "…"
    return topic[:1].lower() + topic[1:] if topic[1:2].islower() else topic


class PromptMatcher:
    """Everything about one transcript and one prompt that spans share, computed once.

    Building it embeds every sentence (about 200 a second on one core): run it off the
    event loop (asyncio.to_thread) for long transcripts.
    """

    def __init__(
        self,
        prompt: str,
        words: Sequence[Word],
        *,
        language: str | None = None,
        embedder: SentenceEmbedder | None = None,
    ) -> None:
        self.prompt = prompt
        self.topic = prompt_topic(prompt)
        analyzer = Analyzer(language)
        sentences = split_sentences(words, max_sentence_seconds=SENTENCE_SECONDS)
        self.words = [w for s in sentences for w in s.words]
        self._mids = [(w.start + w.end) / 2 for w in self.words]
        terms = [analyzer.terms(w.text) for w in self.words]
        self.bm25 = BM25(analyzer.terms(s.text) for s in sentences)
        self.query = analyzer.query(prompt)
        self._ideal = self.bm25.ideal(list(self.query))
        # prefix sums: index terms, and each query term, up to word k
        self._length = np.cumsum([0] + [len(t) for t in terms])
        self._counts = {q: np.cumsum([0] + [t.count(q) for t in terms]) for q in self.query}
        # the first word index of each sentence (and the end), for semantic spans
        firsts = [0]
        for s in sentences:
            firsts.append(firsts[-1] + len(s.words))
        self._firsts = firsts
        self.semantic = embedder is not None and bool(sentences)
        if embedder is not None and sentences:
            vectors = embedder.embed([s.text for s in sentences] + [prompt])
            self._sentence_vectors = vectors[:-1]
            self._prompt_vector = vectors[-1]

    def match_all(self, spans: Sequence[tuple[float, float]]) -> list[Match]:
        """Each span's match; BM25's average length is taken over these spans."""
        ranges = [self._word_range(a, b) for a, b in spans]
        lengths = [int(self._length[b] - self._length[a]) for a, b in ranges]
        avg = sum(lengths) / len(lengths) if lengths else 1.0
        return [self._match(a, b, n, avg) for (a, b), n in zip(ranges, lengths, strict=True)]

    def _word_range(self, start: float, end: float) -> tuple[int, int]:
        return bisect_left(self._mids, start), bisect_right(self._mids, end)

    def _match(self, a: int, b: int, length: int, avg: float) -> Match:
        tf = {q: int(c[b] - c[a]) for q, c in self._counts.items()}
        raw = self.bm25.score(list(self.query), tf, length, avg)
        lexical = min(1.0, raw / self._ideal) if self._ideal > 0 else 0.0
        matched = tuple(surface for q, surface in self.query.items() if tf.get(q))
        semantic = self._semantic(a, b) if self.semantic and b > a else None
        if semantic is None:
            score = lexical
        elif self._ideal == 0:  # no prompt word occurs in the transcript: meaning alone
            score = semantic
        else:
            score = LEXICAL_SHARE * lexical + (1.0 - LEXICAL_SHARE) * semantic
        return Match(round(score, 4), round(lexical, 4), semantic, matched)

    def _semantic(self, a: int, b: int) -> float:
        first = bisect_right(self._firsts, a) - 1
        last = bisect_left(self._firsts, b)
        weights = np.array(
            [
                min(b, self._firsts[k + 1]) - max(a, self._firsts[k])
                for k in range(first, min(last, len(self._firsts) - 1))
            ],
            dtype=np.float32,
        )
        vec = weights @ self._sentence_vectors[first : first + len(weights)]
        norm = float(np.linalg.norm(vec))
        if norm == 0:
            return 0.0
        cosine = float(vec @ self._prompt_vector) / norm
        return round(
            min(1.0, max(0.0, (cosine - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR))), 4
        )
