"""Edit lists on plain data: time mapping, word re-timing, fillers, islands of sound."""

from __future__ import annotations

import numpy as np
import pytest

from jobs.media.cleanup import EditList, Span, is_filler, islands, plan_cleanup
from jobs.media.envelope import Envelope
from jobs.media.types import Word


def test_time_maps_through_the_cuts() -> None:
    edits = EditList((Span(0.0, 1.0), Span(2.0, 3.0)))
    assert edits.duration == 2.0
    assert edits.map_time(0.5) == 0.5 and edits.map_time(2.5) == 1.5
    assert edits.map_time(1.5) is None


def test_retime_keeps_a_stretched_word_and_drops_fillers() -> None:
    edits = EditList((Span(0.0, 1.0), Span(2.0, 3.0)))
    words = [Word(0.2, 0.6, "so"), Word(1.1, 1.4, "um"), Word(1.2, 2.5, "right")]
    out = edits.retime(words, drop=is_filler)
    assert [(w.text, w.start, w.end) for w in out] == [("so", 0.2, 0.6), ("right", 1.0, 1.5)]


def test_fillers_are_recognised() -> None:
    assert all(is_filler(t) for t in ("um", "Uh,", "erm.", "Hmm"))
    assert not any(is_filler(t) for t in ("umbrella", "a", "her"))


def _envelope(spans: list[tuple[float, float]], duration: float) -> Envelope:
    step = 0.02
    db = np.full(int(duration / step), -80.0)
    for a, b in spans:
        db[round(a / step) : round(b / step)] = -20.0
    return Envelope(step, db)


def test_a_filler_island_and_a_long_pause_are_cut_on_the_frame_grid() -> None:
    # "hello" 0.2-0.8, "um" 1.1-1.4, "world" 1.7-2.3, pause, "again" 3.5-4.0
    env = _envelope([(0.2, 0.8), (1.1, 1.4), (1.7, 2.3), (3.5, 4.0)], 4.4)
    found = [x for s in islands(env, 4.4) for x in (s.start, s.end)]
    assert found == pytest.approx([0.2, 0.8, 1.1, 1.4, 1.7, 2.3, 3.5, 4.0])
    words = [
        Word(0.2, 0.8, "hello"),
        Word(1.6, 1.7, "um,"),  # Whisper's time for a filler is off
        Word(1.7, 2.3, "world"),
        Word(3.5, 4.0, "again"),
    ]
    edits = plan_cleanup(words, 4.4, env, remove_fillers=True, remove_silences=True, fps=25)
    assert (edits.fillers_removed, edits.pauses_shortened) == (1, 1)
    # 0.8..1.7 becomes 0.2 s, 2.3..3.5 becomes 0.2 s
    assert edits.duration == pytest.approx(4.4 - 0.7 - 1.0, abs=2 / 25)  # cuts on frames
    for s in edits.keep:
        assert round(s.start * 25, 6).is_integer() and round(s.end * 25, 6).is_integer()
    only_pauses = plan_cleanup(words, 4.4, env, remove_fillers=False, remove_silences=True)
    assert only_pauses.duration == pytest.approx(3.4, abs=2 / 25)
