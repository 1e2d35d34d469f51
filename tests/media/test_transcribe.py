"""Transcription of known espeak-ng speech with tiny.en: words, timing, progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.media.onsets import refine_onsets
from jobs.media.types import TranscriptResult
from tests.media.conftest import Talk
from tests.media.fixtures_media import word_error_rate

# Measured with tiny.en (int8, beam 5) on these sentences after AAC: 0.04 with the verbatim
# prompt (the default: "jump", "video"), 0.13 without it (6 of 46 words: "jump", "nog",
# "create a", "video", "result"); base gets 0.02. The bound leaves room for thread-count
# nondeterminism, not for a broken pipeline (which scores near 1.0).
WER_BOUND = 0.22
ONSET_TOLERANCE = 0.150


def test_word_error_rate_is_bounded(transcript: TranscriptResult, talk: Talk) -> None:
    wer = word_error_rate(" ".join(talk.sentences), transcript.text)
    assert wer <= WER_BOUND, (wer, transcript.text)
    assert transcript.language == "en"
    assert transcript.duration == pytest.approx(talk.onsets[-1] + 4, abs=2)


def _first_words(transcript: TranscriptResult, talk: Talk) -> list[float]:
    """Start of the word nearest each known sentence onset that begins a segment."""
    starts = [seg.words[0].start for seg in transcript.segments if seg.words]
    return [min(starts, key=lambda s, o=onset: abs(s - o)) for onset in talk.onsets]


def test_sentence_onsets_match_the_audio(transcript: TranscriptResult, talk: Talk) -> None:
    assert len(transcript.segments) == len(talk.sentences)
    for onset, start in zip(talk.onsets, _first_words(transcript, talk), strict=True):
        assert abs(start - onset) <= ONSET_TOLERANCE, (onset, start)


def test_words_are_ordered_and_inside_their_segments(transcript: TranscriptResult) -> None:
    words = transcript.words
    assert len(words) >= 40
    for a, b in zip(words, words[1:], strict=False):
        assert a.start < a.end <= b.end and a.start <= b.start
    for seg in transcript.segments:
        assert seg.words and seg.start == seg.words[0].start
        assert all(0 < w.probability <= 1 and w.text == w.text.strip() for w in seg.words)


def test_refinement_is_stable(transcript: TranscriptResult, talk: Talk, talk_wav: Path) -> None:
    """Refining refined words again moves nothing: onsets are a fixed point, not a drift."""
    again = refine_onsets(transcript, talk_wav)
    assert [w.start for w in again.words] == [w.start for w in transcript.words]


def test_progress_flows_while_decoding(progress_events: list[tuple[str, float]]) -> None:
    fractions = [v for kind, v in progress_events if kind == "progress"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len([f for f in fractions if f < 1.0]) >= 3
    kinds = [kind for kind, _ in progress_events]
    assert ("waited", 1.0) in progress_events  # the report reached the loop mid-decoding
    assert kinds.index("progress") < kinds.index("waited") < len(kinds) - 1
