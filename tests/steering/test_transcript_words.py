"""Replacing the words of a span and snapping spans to words (core.transcript_words)."""

from __future__ import annotations

import copy

from core.transcript_words import (
    MIN_WORD_SECONDS,
    SegmentWords,
    TimedWord,
    replace_span,
    snap_to_words,
)


def _segments() -> list[SegmentWords]:
    """Two segments: "we sell the plan" (1.0-2.6) and "for twenty dollars" (4.0-5.5)."""
    first = [
        TimedWord(1.0, 1.3, "we"),
        TimedWord(1.35, 1.7, "sell"),
        TimedWord(1.75, 1.9, "the"),
        TimedWord(1.95, 2.6, "plan"),
    ]
    second = [
        TimedWord(4.0, 4.3, "for"),
        TimedWord(4.35, 4.9, "twenty"),
        TimedWord(4.95, 5.5, "dollars."),
    ]
    return [
        SegmentWords(0, 1.0, 2.6, first, "we sell the plan"),
        SegmentWords(1, 4.0, 5.5, second, "for twenty dollars."),
    ]


def test_new_words_share_the_old_words_time_by_length() -> None:
    segments = _segments()
    replace_span(segments, 1.3, 2.7, "sell a plan", duration=10.0)  # "sell the plan"
    words = segments[0].words
    assert [w.text for w in words] == ["we", "sell", "a", "plan"]
    new = words[1:]
    assert (new[0].start, new[-1].end) == (1.35, 2.6)  # where the replaced words were
    assert all(a.end == b.start for a, b in zip(new, new[1:], strict=False))  # end to end
    lengths = [w.end - w.start for w in new]
    assert lengths[1] < lengths[0] < lengths[2] + 1e-9  # "a" shortest, by letters
    assert segments[0].text == "we sell a plan" and segments[0].changed
    assert segments[1].text == "for twenty dollars." and not segments[1].changed
    assert all(w.p == 1.0 for w in new)


def test_replacing_again_changes_nothing() -> None:
    for start, end, text in (
        (1.3, 2.7, "sell a plan"),
        (1.3, 2.7, "sell you our very best monthly plan with extras"),  # grows into the pause
        (2.7, 3.9, "right now"),  # into silence
        (1.0, 5.6, ""),  # everything removed
        (4.2, 5.5, "thirty euros"),  # across the end of a segment
    ):
        once = _segments()
        replace_span(once, start, end, text, duration=10.0)
        twice = copy.deepcopy(once)
        replace_span(twice, start, end, text, duration=10.0)
        assert [(s.words, s.start, s.end) for s in twice] == [
            (s.words, s.start, s.end) for s in once
        ], text


def test_many_words_grow_into_the_silence_but_never_past_a_neighbour() -> None:
    segments = _segments()
    text = "sell you our very best monthly plan with extras"
    replace_span(segments, 1.3, 3.8, text, duration=10.0)
    new = segments[0].words[1:]
    assert len(new) == 9
    assert new[0].start >= 1.3 and new[-1].end <= 3.8
    assert new[-1].end - new[0].start >= 9 * MIN_WORD_SECONDS - 1e-9
    assert new[0].start >= segments[0].words[0].end  # after "we"
    assert segments[0].end == new[-1].end  # the segment grew to hold them


def test_words_said_in_silence_fill_it_and_empty_segments_are_emptied() -> None:
    segments = _segments()
    replace_span(segments, 2.8, 3.8, "right now", duration=10.0)
    inserted = [w for w in segments[0].words if w.text in ("right", "now")]
    assert (inserted[0].start, inserted[-1].end) == (2.8, 3.8)
    replace_span(segments, 3.9, 6.0, "", duration=10.0)
    assert segments[1].words == [] and segments[1].changed


def test_a_span_past_the_media_is_cut_at_its_end() -> None:
    segments = _segments()
    replace_span(segments, 5.6, 9.0, "thanks", duration=6.0)
    assert segments[1].words[-1].text == "thanks" and segments[1].words[-1].end == 6.0


def test_snap_to_words_uses_the_words_whose_middle_is_inside() -> None:
    words = [w for s in _segments() for w in s.words]
    assert snap_to_words(words, 1.2, 4.2) == (1.35, 4.3)  # "sell" .. "for"
    assert snap_to_words(words, 2.7, 3.9) is None  # only silence
