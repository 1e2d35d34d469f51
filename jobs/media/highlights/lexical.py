"""Lexical matching: stemmed terms and Okapi BM25, offline, in the languages Snowball stems.

"pricing", "prices" and "priced" all become "price", so a prompt matches the way people
actually say things. English drops its stop words; other languages keep them (BM25's IDF
already weighs common words down). Languages Snowball has no stemmer for match whole words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import snowballstemmer

from jobs.media.highlights.text import STOPWORDS, word_set

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")

# faster-whisper language codes -> Snowball algorithm names
SNOWBALL = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

# Words of the request itself ("find the moments where they talk about ..."), never the topic.
PROMPT_NOISE = word_set("""
    find show give get pick make cut clip clips moment moments part parts bit bits section
    sections segment segments highlight highlights passage passages quote quotes
    talks talking talked discuss discusses discussed discussing discussion mention mentions
    mentioned mentioning speaker speakers video videos podcast episode best top key good
    interesting funny please want looking topic topics regarding related
    """)

K1 = 1.2
B = 0.75
IDEAL_TF = 2  # a span that says each prompt word twice, at average length, matches fully


class Analyzer:
    """Text -> stemmed index terms for one language (stems cached: Snowball is pure Python)."""

    def __init__(self, language: str | None) -> None:
        code = (language or "en").lower()
        algorithm = SNOWBALL.get(code)
        stemmer = snowballstemmer.stemmer(algorithm) if algorithm else None
        self._stem: Callable[[str], str] = stemmer.stemWord if stemmer else (lambda w: w)
        self.stopwords = STOPWORDS if code == "en" else frozenset()
        self._cache: dict[str, str] = {}

    def stem(self, token: str) -> str:
        got = self._cache.get(token)
        if got is None:
            got = self._cache[token] = self._stem(token)
        return got

    def term(self, token: str) -> str | None:
        """The index term of one lower-case token, or None for a stop word."""
        token = token.replace("’", "'")
        if token in self.stopwords:
            return None
        return self.stem(token)

    def terms(self, text: str) -> list[str]:
        return [t for t in (self.term(x) for x in _TOKEN.findall(text.lower())) if t]

    def query(self, prompt: str) -> dict[str, str]:
        """The prompt's terms, each with the first word that gave it (for reasons)."""
        out: dict[str, str] = {}
        for token in _TOKEN.findall(prompt.lower()):
            if token in PROMPT_NOISE:
                continue
            term = self.term(token)
            if term and term not in out:
                out[term] = token
        return out


class BM25:
    """Okapi BM25 with document frequencies from a corpus (a transcript's sentences)."""

    def __init__(self, corpus: Iterable[Iterable[str]]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for doc in corpus:
            self.n += 1
            self.df.update(set(doc))

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def score(
        self, query: Sequence[str], tf: Mapping[str, int], length: int, avg_length: float
    ) -> float:
        norm = K1 * (1.0 - B + B * length / max(avg_length, 1e-9))
        return sum(self.idf(t) * tf[t] * (K1 + 1.0) / (tf[t] + norm) for t in query if tf.get(t))

    def ideal(self, query: Sequence[str]) -> float:
        """The score of an average-length span saying each prompt term (that occurs) twice."""
        sat = IDEAL_TF * (K1 + 1.0) / (IDEAL_TF + K1)
        return sum(self.idf(t) * sat for t in query if self.df.get(t))
