from __future__ import annotations

import itertools

import pytest

from jobs.media.highlights.candidates import build_candidates
from jobs.media.highlights.sentences import split_sentences
from jobs.media.types import Segment, TranscriptResult, Word
from tests.highlights.synth import NEUTRAL, transcript


def _boundaries(tr: TranscriptResult) -> tuple[set[float], set[float]]:
    return {w.start for w in tr.words}, {w.end for w in tr.words}


def test_sentences_split_on_punctuation_and_pauses() -> None:
    tr = transcript(["Hello there.", "How are you doing today?", "Fine thanks"])
    sents = split_sentences(tr.words)
    assert [s.text for s in sents] == ["Hello there.", "How are you doing today?", "Fine thanks"]
    assert [s.terminal for s in sents] == [True, True, False]
    # without punctuation, a long pause still closes a sentence
    words = [
        Word(0.0, 0.4, " so"),
        Word(0.5, 0.9, " yes"),
        Word(2.5, 2.9, " next"),
        Word(3, 3.4, " one"),
    ]
    assert [s.text for s in split_sentences(words)] == ["so yes", "next one"]


def test_candidates_sit_on_word_boundaries_and_respect_length() -> None:
    tr = transcript(NEUTRAL * 8)
    starts, ends = _boundaries(tr)
    cands = build_candidates(tr, min_seconds=20, max_seconds=60)
    assert len(cands) > 20
    sentence_starts = {s.start for s in split_sentences(tr.words)}
    for c in cands:
        assert 20 <= c.duration <= 60
        assert c.start in starts and c.end in ends
        assert c.start == c.words[0].start and c.end == c.words[-1].end
        assert c.start in sentence_starts  # whole sentences only
        assert c.words[-1].text.strip().endswith((".", "?", "!"))


@pytest.mark.parametrize(("lo", "hi"), [(10, 25), (30, 45), (12, 16)])
def test_configurable_range(lo: float, hi: float) -> None:
    tr = transcript(NEUTRAL * 6)
    cands = build_candidates(tr, min_seconds=lo, max_seconds=hi)
    assert cands
    assert all(lo <= c.duration <= hi for c in cands)


def test_unpunctuated_run_on_speech_still_gives_candidates() -> None:
    # 200 words, no punctuation, no pauses: forced splits keep sentences short enough
    text = " ".join(
        itertools.islice(itertools.cycle(["we", "keep", "talking", "about", "the", "plan"]), 200)
    )
    tr = transcript([text], pause=0.0)
    starts, ends = _boundaries(tr)
    cands = build_candidates(tr, min_seconds=20, max_seconds=40)
    assert cands
    assert all(20 <= c.duration <= 40 and c.start in starts and c.end in ends for c in cands)


def test_long_video_is_thinned_evenly() -> None:
    tr = transcript(NEUTRAL * 400)  # about 2 hours
    assert tr.duration > 6000
    cands = build_candidates(tr, min_seconds=20, max_seconds=60, max_candidates=300)
    assert 150 <= len(cands) <= 300
    first, last = min(c.start for c in cands), max(c.end for c in cands)
    assert first < 0.05 * tr.duration and last > 0.95 * tr.duration
    assert all(20 <= c.duration <= 60 for c in cands)


def test_short_video_falls_back_to_whole_speech() -> None:
    tr = transcript(["This is short.", "Only two sentences here."])
    cands = build_candidates(tr, min_seconds=20, max_seconds=60)
    assert len(cands) == 1
    assert cands[0].start == tr.words[0].start and cands[0].end == tr.words[-1].end


def test_empty_transcript_and_bad_range() -> None:
    empty = TranscriptResult("en", 5.0, (Segment(0, 1, "", ()),))
    assert build_candidates(empty) == []
    with pytest.raises(ValueError):
        build_candidates(empty, min_seconds=30, max_seconds=10)


def test_thinning_keeps_the_best_opening_line() -> None:
    hook = "Why do 90 percent of startups fail in their first year?"
    tr = transcript(NEUTRAL * 100 + [hook] + NEUTRAL * 100)  # about 100 minutes, one hook
    hook_start = next(w.start for w in tr.words if w.text.strip() == "Why")
    for cap in (60, 150, 400):
        cands = build_candidates(tr, min_seconds=20, max_seconds=60, max_candidates=cap)
        assert len(cands) <= cap
        assert any(c.start == hook_start for c in cands), cap
