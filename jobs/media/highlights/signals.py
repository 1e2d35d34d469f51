"""Engagement signals for one clip window, each a number in 0..1 (1 = better).

Transcript signals look at what is said (hook, self-contained start, complete ending, pace,
fillers); audio signals compare the window's loudness with the whole file (energy, bursts
that often mean laughter or applause).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jobs.media.highlights.text import bare, ends_sentence, filler_count, word_set
from jobs.media.types import AudioFeatures, Word

HOOK_SECONDS = 5.0  # the opening a viewer judges before swiping away
HOOK_SENTENCE_SECONDS = 8.0  # a first sentence ending by then counts whole

_NUMBER_WORDS = word_set(
    """
    two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions trillion percent
    dozen dozens half double triple"""
)
_CLAIM_WORDS = word_set(
    """
    never always best worst most least only secret secrets truth mistake mistakes wrong
    nobody everyone everybody everything nothing ever guarantee guaranteed proven insane crazy
    incredible unbelievable shocking huge massive impossible biggest greatest fastest hardest
    strongest smartest richest highest lowest longest largest simplest easiest craziest
    wildest scariest funniest weirdest dumbest worst-case game-changer changed destroy
    destroyed ruined forever must stop"""
)
_NOT_SUPERLATIVE = word_set(
    """
    interest test rest honest forest suggest request invest protest west guest contest
    manifest modest harvest chest nest arrest digest quest pest vest lest attest detest
    earnest latest priest arrest conquest"""
)
# first words that lean on what came before the cut, and how much of the start score they keep
_LEANING = word_set(
    """
    and but so or because cause cuz also then which who plus too he she they it him her them
    his its their he's she's they're it's they've that'll"""
)
_POINTING = word_set("that this these those that's there")
_SOFT = word_set("well yeah yes okay ok right um uh like anyway")
_DANGLING_START = {**dict.fromkeys(_LEANING, 0.0), **dict.fromkeys(_POINTING, 0.3)}
_DANGLING_START.update(dict.fromkeys(_SOFT, 0.5))
_DANGLING_END = word_set("and but so or the a an to of because that with for my our your")
_PRONOUN_I = frozenset({"i", "i'm", "i've", "i'll", "i'd"})

GOOD_RATE = (2.0, 3.6)  # words per second: about 120-215 wpm reads as clear, lively speech
SILENCE_DB = -70.0


@dataclass(frozen=True)
class Hook:
    question: bool
    number: bool
    claim: bool
    entity: bool

    @property
    def score(self) -> float:
        """Diminishing returns: each present feature closes part of the remaining gap."""
        miss = 1.0
        for present, weight in (
            (self.question, 0.6),
            (self.number, 0.5),
            (self.claim, 0.5),
            (self.entity, 0.35),
        ):
            if present:
                miss *= 1.0 - weight
        return 1.0 - miss


def hook_words(words: Sequence[Word]) -> list[Word]:
    """The opening: words starting within HOOK_SECONDS, plus the rest of a short first sentence."""
    if not words:
        return []
    t0 = words[0].start
    out: list[Word] = []
    for i, w in enumerate(words):
        if w.start - t0 < HOOK_SECONDS:
            out.append(w)
            continue
        # finish the sentence in progress if it closes soon
        prev_closed = ends_sentence(words[i - 1].text)
        if prev_closed or w.start - t0 >= HOOK_SENTENCE_SECONDS:
            break
        out.append(w)
    return out


def detect_hook(words: Sequence[Word]) -> Hook:
    opening = hook_words(words)
    bares = [bare(w.text) for w in opening]
    texts = [w.text.strip() for w in opening]
    question = any("?" in t for t in texts) or (bool(bares) and bares[0] in {"why", "how"})
    number = any(
        re.search(r"\d", t) or "%" in t or "$" in t or b in _NUMBER_WORDS
        for t, b in zip(texts, bares, strict=True)
    )
    claim = any(b in _CLAIM_WORDS or _superlative(b) for b in bares)
    entity = False
    for k in range(1, len(texts)):
        t = texts[k].lstrip("\"'“‘(")
        if (
            t[:1].isupper()
            and not ends_sentence(texts[k - 1])
            and bares[k] not in _PRONOUN_I
            and any(c.isalpha() for c in t)
        ):
            entity = True
            break
    return Hook(question, number, claim, entity)


def _superlative(b: str) -> bool:
    return len(b) > 5 and b.endswith("est") and b not in _NOT_SUPERLATIVE and b.isalpha()


def start_score(words: Sequence[Word]) -> float:
    """1 when the clip opens on its own feet; low when it leans on what came before."""
    for w in words:
        b = bare(w.text)
        if not b:
            continue
        return _DANGLING_START.get(b, 1.0)
    return 0.0


def ending_score(words: Sequence[Word]) -> float:
    """1 on a closed sentence; 0 when the last word is a conjunction or article."""
    if not words:
        return 0.0
    last = words[-1].text.strip()
    if bare(last) in _DANGLING_END:
        return 0.0
    if ends_sentence(last):
        return 1.0
    if last.endswith((",", ";", ":", "-", "—")):
        return 0.2
    return 0.5


def rate_score(words: Sequence[Word], duration: float) -> float:
    """1 inside GOOD_RATE words per second, falling linearly to 0 at 1 and 5 wps."""
    if duration <= 0:
        return 0.0
    wps = len(words) / duration
    lo, hi = GOOD_RATE
    if wps < lo:
        return max(0.0, (wps - 1.0) / (lo - 1.0))
    if wps > hi:
        return max(0.0, (5.0 - wps) / (5.0 - hi))
    return 1.0


def filler_score(words: Sequence[Word]) -> float:
    """1 with no fillers, 0 when fillers reach 8 % of the words."""
    bares = [b for b in (bare(w.text) for w in words) if b]
    if not bares:
        return 0.0
    density = filler_count(bares) / len(bares)
    return max(0.0, 1.0 - density / 0.08)


class AudioProfile:
    """Whole-file loudness reference, computed once and shared by every window."""

    def __init__(self, audio: AudioFeatures) -> None:
        vals = [v if math.isfinite(v) else SILENCE_DB for v in audio.loudness]
        self.values = [max(SILENCE_DB, v) for v in vals]
        voiced = sorted(v for v in self.values if v > SILENCE_DB + 1) or sorted(self.values)
        self.available = bool(self.values)
        self.peaks = tuple(audio.peaks)
        self.median = _quantile(voiced, 0.5) if voiced else SILENCE_DB
        self.p90 = _quantile(voiced, 0.9) if voiced else SILENCE_DB

    def window(self, start: float, end: float) -> list[float]:
        lo = max(0, int(math.floor(start)))
        hi = min(len(self.values), max(lo + 1, int(math.ceil(end))))
        return self.values[lo:hi]

    def energy(self, start: float, end: float) -> float:
        """Loudness above the file's median (+-6 dB spans 0..1) blended with its variation."""
        vals = self.window(start, end)
        if not vals:
            return 0.5
        mean = sum(vals) / len(vals)
        level = min(1.0, max(0.0, (mean - self.median + 6.0) / 12.0))
        voiced = [v for v in vals if v > SILENCE_DB + 1] or vals
        vmean = sum(voiced) / len(voiced)
        sd = math.sqrt(sum((v - vmean) ** 2 for v in voiced) / len(voiced))
        variation = min(1.0, sd / 6.0)
        return 0.6 * level + 0.4 * variation

    def bursts(self, start: float, end: float) -> float:
        """Laughter / applause proxies: loud bursts inside the window (2 or more -> 1.0).

        Counts the burst times the audio stage detected (AudioFeatures.peaks) that are loud
        for this file, or seconds that jump 6 dB above the window's median into the file's
        loud tail, whichever finds more. The first second is skipped: speech resuming after
        a pause is not a reaction.
        """
        vals = self.window(start, end)
        if len(vals) < 3:
            return 0.0
        med = _quantile(sorted(vals), 0.5)
        own = sum(1 for v in vals[1:] if v >= self.p90 and v >= med + 6.0)
        detected = sum(
            1 for p in self.peaks if start + 1.0 <= p < end and self._at(p) >= self.median + 3.0
        )
        return min(1.0, max(own, detected) / 2.0)

    def _at(self, second: float) -> float:
        i = int(second)
        return self.values[i] if 0 <= i < len(self.values) else SILENCE_DB


def _quantile(sorted_vals: Sequence[float], q: float) -> float:
    if not sorted_vals:
        return 0.0
    pos = q * (len(sorted_vals) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_vals) - 1)
    frac = pos - lo
    return sorted_vals[lo] * (1 - frac) + sorted_vals[hi] * frac
