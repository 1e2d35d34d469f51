"""Keywords and hashtags from a clip's own words: frequency minus stopwords.

Repeated two-word phrases ("machine learning") beat single words; words capitalised
mid-sentence (names, brands) get a bonus; plural and singular forms count together.
"""

from __future__ import annotations

import re
from collections import Counter

from jobs.media.highlights.text import STOPWORDS, word_set

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")
MAX_TAG_CHARS = 24
# Frequent in speech but says nothing about the topic: never a keyword.
GENERIC = word_set(
    """
    first second third last next percent time times year years week weeks day days month
    months people person way thing things part kind lot lots bit start end number numbers
    point points question answer example case reason fact idea ideas place one two three four
    five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds
    thousand thousands million millions billion billions half dozen nobody everybody"""
)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keywords(text: str, k: int = 8) -> list[str]:
    """Up to k key phrases, most relevant first (ties: first mentioned first)."""
    matches = list(_TOKEN.finditer(text))
    toks = [m.group().lower().replace("’", "'").strip("'-") for m in matches]
    content = [
        len(t) >= 3 and t not in STOPWORDS and t not in GENERIC and "'" not in t and not t.isdigit()
        for t in toks
    ]
    counts: dict[str, float] = {}
    forms: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}

    def add(key: str, form: str, weight: float, pos: int) -> None:
        counts[key] = counts.get(key, 0.0) + weight
        forms.setdefault(key, Counter())[form] += 1
        first.setdefault(key, pos)

    for i, t in enumerate(toks):
        if content[i]:
            proper = _proper(text, matches, i)
            form = matches[i].group().strip("'’-") if proper else t
            add(_stem(t), form, 1.5 if proper else 1.0, i)
    pairs: dict[tuple[str, str], list[int]] = {}
    for i in range(len(toks) - 1):
        if content[i] and content[i + 1] and _adjacent(text, matches, i):
            pairs.setdefault((_stem(toks[i]), _stem(toks[i + 1])), []).append(i)
    for (a, b), positions in pairs.items():
        if len(positions) >= 2:
            pos = positions[0]
            key = f"{a} {b}"
            counts[key] = 2.5 * len(positions)
            forms.setdefault(key, Counter())[f"{toks[pos]} {toks[pos + 1]}"] += len(positions)
            first.setdefault(key, pos)
    ranked = sorted(counts, key=lambda key: (-counts[key], first[key]))
    out: list[str] = []
    for key in ranked:
        form = forms[key].most_common(1)[0][0]
        if any(form.lower() in o.lower().split() for o in out):
            continue  # already inside a chosen phrase
        out.append(form)
        if len(out) >= k:
            break
    return out


def _proper(text: str, matches: list[re.Match[str]], i: int) -> bool:
    """Capitalised and not opening a sentence: likely a name, place or brand."""
    if not matches[i].group()[0].isupper() or i == 0:
        return False
    between = text[matches[i - 1].end() : matches[i].start()]
    return not any(c in between for c in ".!?")


def _adjacent(text: str, matches: list[re.Match[str]], i: int) -> bool:
    """Tokens i and i+1 belong to one phrase (no punctuation between them)."""
    return text[matches[i].end() : matches[i + 1].start()].strip() == ""


def hashtag(phrase: str) -> str:
    """CamelCase hashtag: "machine learning" -> "#MachineLearning", "ai" -> "#AI"."""
    parts = re.findall(r"[A-Za-z0-9]+", phrase)
    body = "".join(p.upper() if len(p) <= 2 else p[0].upper() + p[1:] for p in parts)
    return "#" + body if body else ""


def hashtags(phrases: list[str], n: int) -> list[str]:
    """n distinct, reasonably short hashtags from key phrases (case-insensitive dedupe)."""
    out: list[str] = []
    seen: set[str] = set()
    for p in phrases:
        tag = hashtag(p)
        if len(tag) < 3 or len(tag) > MAX_TAG_CHARS or tag.lower() in seen:
            continue
        seen.add(tag.lower())
        out.append(tag)
        if len(out) >= n:
            break
    return out
