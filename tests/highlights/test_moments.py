"""Moment search over one transcript: segments ranked by the prompted-clipping measure."""

from __future__ import annotations

from dataclasses import replace

from jobs.media.highlights.moments import meaning_scores, search_moments
from tests.highlights.synth import transcript
from tests.highlights.topics import GARDEN, PRICING, SLEEP, TALK


def test_words_said_find_their_segments_best_first() -> None:
    tr = transcript(TALK)
    found = search_moments("discount", tr)
    assert found[0].index == PRICING.index(
        "Never give a discount without asking for something in return."
    )
    assert found[0].matched == ("discount",) and found[0].text == tr.segments[5].text
    assert (found[0].start, found[0].end) == (tr.segments[5].start, tr.segments[5].end)
    both = search_moments("sleep rhythm", tr, semantic=False)
    assert both[0].index == len(PRICING) + 1  # "Sleep is not just about time, ... rhythm."
    assert both[0].matched == ("sleep", "rhythm")
    assert [m.score for m in both] == sorted((m.score for m in both), reverse=True)
    assert all(0 < m.score <= 100 for m in both)


def test_meaning_finds_what_was_not_said() -> None:
    tr = transcript(TALK)
    found = search_moments("insomnia", tr, limit=3)
    assert found and all(len(PRICING) <= m.index < len(PRICING) + len(SLEEP) for m in found)
    assert search_moments("insomnia", tr, semantic=False) == []  # the word is never said
    plants = search_moments("looking after plants", tr, limit=2)
    assert all(m.index >= len(PRICING) + len(SLEEP) for m in plants) and len(GARDEN) == 6


def test_nothing_matches_nothing() -> None:
    tr = transcript(TALK)
    assert search_moments("football transfer news", tr) == []
    assert search_moments("   ", tr) == []
    assert len(search_moments("sleep", tr, limit=1)) == 1


def test_other_languages_match_words_only() -> None:
    tr = replace(
        transcript(["Die Preise steigen jedes Jahr.", "Wir schlafen zu wenig."]), language="de"
    )
    found = search_moments("Preis", tr)
    assert [m.index for m in found] == [0]  # stemmed: Preise -> preis


def test_meaning_scores_rerank_texts() -> None:
    scores = meaning_scores(
        "sleep", ["Go to bed at the same hour every night.", "Raise your prices."]
    )
    assert scores is not None and scores[0] > 0.5 > scores[1]
    assert meaning_scores("sleep", []) == []
