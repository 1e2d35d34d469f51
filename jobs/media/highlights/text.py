"""Word-level text helpers shared by the highlight scorers and the caption writers.

Whisper words carry their punctuation and a leading space ("  Hello,"); everything here
normalises them the same way so signals and keywords agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TERMINAL = (".", "!", "?", "…")


def word_set(text: str) -> frozenset[str]:
    """A word set written as one whitespace-separated string (easier to read and edit)."""
    return frozenset(text.split())


_CLOSERS = "\"'”’)]»"
_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

# Filler words and phrases: a dense sprinkle of these makes a clip feel unedited.
FILLER_WORDS: dict[str, float] = {
    "um": 1.0,
    "umm": 1.0,
    "uh": 1.0,
    "uhm": 1.0,
    "erm": 1.0,
    "er": 1.0,
    "ah": 0.5,
    "hmm": 1.0,
    "mm": 1.0,
    "like": 0.5,  # often a real verb: half weight
    "basically": 1.0,
    "actually": 1.0,
    "literally": 1.0,
    "totally": 0.5,
    "anyway": 0.5,
    "whatever": 0.5,
}
FILLER_PHRASES: tuple[tuple[str, ...], ...] = (
    ("you", "know"),
    ("sort", "of"),
    ("kind", "of"),
    ("i", "mean"),
    ("you", "see"),
)

# Common English function words: never keywords, never hashtags.
STOPWORDS = word_set("""
    a about above after again against ah all almost also although always am among an and another
    any anybody anyone anything anyway are aren't around as at away back be became because become
    been before being below between both but by came can can't cannot come comes could couldn't did
    didn't do does doesn't doing don't done down during each either else enough even ever every
    everybody everyone everything exactly few for from further get gets getting go goes going gone
    gonna got gotta had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers
    herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its
    itself just kind know let let's like little lot lots made make makes many may maybe me mean
    might mine more most much must my myself need never no nor not nothing now of off oh ok okay on
    once one only or other others our ours ourselves out over own pretty probably put quite rather
    really right said same say saying says see seem seems shall she she'd she'll she's should
    shouldn't so some somebody someone something sometimes sort still such sure take talk tell than
    thank thanks that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've thing things think this those though through thus to too took toward
    under until up upon us use used very via want wanna was wasn't way we we'd we'll we're we've
    well went were weren't what what's whatever when where where's whether which while who who's
    whole whom whose why will with within without won't would wouldn't yeah yes yet you you'd
    you'll you're you've your yours yourself yourselves um uh uhm erm hmm mm gonna basically
    actually literally totally stuff guys guy today really lot kinda sorta
    """)


def clean(text: str) -> str:
    """The word as displayed: surrounding whitespace removed."""
    return text.strip()


def bare(text: str) -> str:
    """Lower-case word without surrounding punctuation ("Hello," -> "hello")."""
    return text.strip().strip(".,!?;:…\"'“”‘’()[]{}«»-–—").lower().replace("’", "'")


def ends_sentence(text: str) -> bool:
    """Whether a word closes a sentence by its punctuation ("done." / "right?\"")."""
    t = text.strip().rstrip(_CLOSERS)
    return t.endswith(TERMINAL)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of free text (apostrophes kept: "don't")."""
    return _WORD_RE.findall(text.lower().replace("’", "'"))


def filler_count(words: Sequence[str]) -> float:
    """Weighted count of filler words and phrases in a sequence of bare words."""
    count = 0.0
    i = 0
    n = len(words)
    while i < n:
        matched = False
        for phrase in FILLER_PHRASES:
            k = len(phrase)
            if tuple(words[i : i + k]) == phrase:
                count += 1.0
                i += k
                matched = True
                break
        if not matched:
            count += FILLER_WORDS.get(words[i], 0.0)
            i += 1
    return count


def is_filler(word: str) -> bool:
    """Pure hesitation sounds, dropped from titles and captions."""
    return word in {"um", "umm", "uh", "uhm", "erm", "er", "hmm", "mm", "ah"}


def trim_to(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut text to at most `limit` characters at a word boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    room = max(0, limit - len(ellipsis))
    cut = text[:room]
    if " " in cut and not text[room : room + 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + ellipsis
