"""Clips open on their strongest line, never on filler; titles come from the strongest line."""

from __future__ import annotations

import pytest

from core.clip_options import ClipOptions
from core.config import Settings
from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.openings import (
    SOUND_LINE,
    Lines,
    is_filler_line,
    line_strength,
    shortest_clip,
)
from jobs.media.highlights.select import find_highlights
from jobs.media.highlights.sentences import clip_sentences
from jobs.media.highlights.titles import title_from_words
from jobs.media.types import AudioFeatures, TranscriptResult
from tests.highlights.synth import NEUTRAL, transcript

# The talk of the issue: four filler sentences, then four hooks (about 15 s of them).
FILLER = [
    "So, um, yeah, let me just get set up here.",
    "Okay, I think the mic is working now.",
    "Anyway, uh, we can get going, sort of.",
    "We move on, I suppose.",
]
HOOKS = [
    "Why do 90 % of startups fail in their first year?",
    "Nobody talks about the real reason behind it.",
    "We studied four hundred companies over ten years.",
    "The founders who survived shipped something every single week.",
]


def _first_word(tr: TranscriptResult, start: float) -> str:
    return next(w.text.strip() for w in tr.words if w.start == start)


def _lines(tr: TranscriptResult) -> Lines:
    return Lines.rate(clip_sentences(tr.words, 60))


def test_lines_are_rated_as_openings() -> None:
    lines = _lines(transcript(FILLER + HOOKS))
    assert lines.filler == (True, True, True, False, False, False, False, False)
    # "We move on, I suppose." is not filler by its words, but weak: a hook takes over
    assert lines.strength[3] < SOUND_LINE <= lines.strength[4]
    assert max(lines.strength) == lines.strength[4]  # the question with a number
    assert line_strength(transcript([NEUTRAL[0]]).words) == pytest.approx(SOUND_LINE)
    assert not is_filler_line(transcript(["I love this city."]).words)
    assert is_filler_line(transcript(["Okay so here is the plan."]).words)


@pytest.mark.parametrize("min_seconds", [20.0, 15.0, 10.0])
async def test_the_issue_talk_opens_on_the_hook(min_seconds: float) -> None:
    tr = transcript(FILLER + HOOKS)
    settings = Settings(llm_base_url=None)
    options = ClipOptions(min_seconds=min_seconds, max_seconds=60, count=2)
    clips = await find_highlights(tr, AudioFeatures(), settings, options=options)
    top = clips[0]
    assert _first_word(tr, top.start) == "Why"
    assert top.title == "Why do 90 % of startups fail in their first year?"
    # speech ran out: the clip is shorter than asked rather than opening on filler
    assert top.end - top.start >= shortest_clip(min_seconds)
    lines = _lines(tr)
    filler_starts = {s.start for s, f in zip(lines.sentences, lines.filler, strict=True) if f}
    assert not filler_starts & {c.start for c in clips}


def test_no_candidate_opens_on_filler_and_lengths_hold() -> None:
    tr = transcript(NEUTRAL * 3 + FILLER + HOOKS + NEUTRAL * 3)
    lines = _lines(tr)
    filler_starts = {s.start for s, f in zip(lines.sentences, lines.filler, strict=True) if f}
    weak = next(s.start for s in lines.sentences if s.text == FILLER[3])  # right before the hook
    cands = build_candidates(tr, min_seconds=20, max_seconds=60)
    assert cands and all(20 <= c.duration <= 60 for c in cands)  # room to extend: full length
    assert not {c.start for c in cands} & (filler_starts | {weak})
    hook = next(w.start for w in tr.words if w.text.strip() == "Why")
    assert any(c.start == hook for c in cands)


def test_a_sound_opening_keeps_its_window_beside_the_stronger_one() -> None:
    body = [
        "Growing tomatoes on a balcony is easier than you think.",
        "What is the one thing every new gardener gets wrong?",
        *NEUTRAL,
    ]
    tr = transcript(body)
    starts = {c.start for c in build_candidates(tr, min_seconds=15, max_seconds=40)}
    sents = clip_sentences(tr.words, 40)
    assert sents[0].start in starts and sents[1].start in starts


def test_moving_the_start_extends_the_end() -> None:
    tr = transcript(["We move on, I suppose.", HOOKS[0], *NEUTRAL])
    lines = _lines(tr)
    sents = lines.sentences
    j = next(k for k, s in enumerate(sents) if s.end - sents[0].start >= 20)
    got = lines.refine(0, j, min_seconds=20, max_seconds=60, shortest=shortest_clip(20))
    assert len(got) == 1
    k, end = got[0]
    assert k == 1 and end > j
    assert sents[end].end - sents[k].start >= 20


def test_a_window_of_nothing_but_filler_is_dropped_unless_nothing_else_exists() -> None:
    lines = _lines(transcript(FILLER[:3] * 3))
    assert lines.refine(0, 8, min_seconds=20, max_seconds=60, shortest=15) == []
    cands = build_candidates(transcript(FILLER[:3] * 3), min_seconds=20, max_seconds=60)
    assert cands  # still something to show for an all-filler video


def test_title_is_the_strongest_line_not_the_first() -> None:
    tr = transcript([NEUTRAL[0], "Why does nobody talk about the real cost of hiring?", NEUTRAL[1]])
    assert title_from_words(tr.words) == "Why does nobody talk about the real cost of hiring?"
    tr = transcript([NEUTRAL[0], NEUTRAL[1]])  # no hook anywhere: the first sound line
    assert title_from_words(tr.words) == NEUTRAL[0].rstrip(".")
