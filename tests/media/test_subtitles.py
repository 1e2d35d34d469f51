"""Subtitle text: whole-video SRT/VTT/JSON and per-clip cues with word highlight."""

from __future__ import annotations

import re

import pysubs2
import pytest

from jobs.media.subtitles import (
    Cue,
    clip_ass,
    clip_cues,
    clip_srt,
    clip_vtt,
    clip_words,
    group_cues,
    transcript_from_json,
    transcript_json,
    transcript_srt,
    transcript_vtt,
)
from jobs.media.types import Segment, TranscriptResult, Word
from tests.media.conftest import Talk

ONSET_TOLERANCE = 0.150


def _words(spec: str, start: float = 0.0, step: float = 0.4) -> list[Word]:
    return [
        Word(start=round(start + i * step, 3), end=round(start + i * step + 0.3, 3), text=t)
        for i, t in enumerate(spec.split())
    ]


def _result(words: list[Word]) -> TranscriptResult:
    text = " ".join(w.text for w in words)
    seg = Segment(start=words[0].start, end=words[-1].end, text=text, words=tuple(words))
    return TranscriptResult(language="en", duration=words[-1].end + 1, segments=(seg,))


def test_cues_respect_length_duration_and_sentences() -> None:
    words = _words("One two three. Four five six seven eight nine ten eleven twelve thirteen")
    cues = group_cues(words)
    assert cues[0].text == "One two three."  # sentence end breaks the cue
    for cue in cues:
        assert len(cue.text) <= 32 or len(cue.words) == 1
        assert cue.words[-1].end - cue.start <= 2.5
        assert cue.start < cue.end
    assert [w for c in cues for w in c.words] == words  # nothing lost or reordered
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end <= b.start


def test_long_pause_starts_a_new_cue() -> None:
    words = _words("hello there") + _words("again", start=3.0)
    assert [c.text for c in group_cues(words)] == ["hello there", "again"]


def test_clip_words_are_retimed_and_bounded() -> None:
    result = _result(_words("a b c d e f g h", start=10.0, step=1.0))
    words = clip_words(result, 12.0, 15.0)
    assert [w.text for w in words] == ["c", "d", "e"]
    assert [w.start for w in words] == [0.0, 1.0, 2.0]
    assert all(0 <= w.start <= w.end <= 3.0 for w in words)


def test_clip_ass_karaoke_tags_add_up_to_each_line() -> None:
    """The clip's ASS file is the default style's: each word's \\k runs to the next word's
    start, so a line's tags add up to its time on screen."""
    result = _result(_words("one two three four five six seven", start=1.0, step=0.5))
    doc = pysubs2.SSAFile.from_string(clip_ass(result, 1.0, 5.0), format_="ass")
    assert len(doc.events) == 2  # five words a line
    for event in doc.events:
        ks = [int(k) for k in re.findall(r"\\k(\d+)", event.text)]
        assert len(ks) == len(event.plaintext.split())
        assert sum(ks) == (event.end - event.start) // 10


def test_full_transcript_formats_parse(transcript: TranscriptResult, talk: Talk) -> None:
    srt = pysubs2.SSAFile.from_string(transcript_srt(transcript), format_="srt")
    vtt_text = transcript_vtt(transcript)
    assert vtt_text.startswith("WEBVTT\n\n")
    vtt = pysubs2.SSAFile.from_string(vtt_text, format_="vtt")
    assert len(srt.events) == len(vtt.events) >= len(talk.sentences)
    assert [e.start for e in srt.events] == [e.start for e in vtt.events]
    joined = " ".join(e.plaintext for e in srt.events)
    assert joined.split() == transcript.text.split()
    # every sentence opens a cue at its spoken onset
    starts = [e.start / 1000 for e in srt.events]
    for onset in talk.onsets:
        assert min(abs(s - onset) for s in starts) <= ONSET_TOLERANCE


def test_json_round_trips(transcript: TranscriptResult) -> None:
    data = transcript_json(transcript)
    assert data["text"] == transcript.text
    assert transcript_from_json(data) == transcript


def test_clip_subtitles_are_retimed_to_the_clip(transcript: TranscriptResult, talk: Talk) -> None:
    start, end = talk.onsets[1] - 0.3, talk.onsets[3] - 0.3  # sentences 2 and 3
    cues = clip_cues(transcript, start, end)
    assert cues and cues[0].start == pytest.approx(0.3, abs=ONSET_TOLERANCE)
    assert cues[-1].end <= end - start
    sentence3 = talk.onsets[2] - start
    assert min(abs(c.start - sentence3) for c in cues) <= ONSET_TOLERANCE
    clip_text = " ".join(c.text for c in cues)
    assert "Nobody" in clip_text and "quick" not in clip_text and "Remember" not in clip_text

    srt = pysubs2.SSAFile.from_string(clip_srt(transcript, start, end), format_="srt")
    vtt = pysubs2.SSAFile.from_string(clip_vtt(transcript, start, end), format_="vtt")
    assert len(srt.events) == len(vtt.events) == len(cues)
    for cue, s in zip(cues, srt.events, strict=True):
        assert s.start == round(cue.start * 1000)
        assert s.plaintext == cue.text

    # The ASS file (default caption style): the same words, each line starting on its
    # first word (ASS keeps centiseconds), each word highlighted as it is spoken.
    ass = pysubs2.SSAFile.from_string(clip_ass(transcript, start, end), format_="ass")
    words = clip_words(transcript, start, end)
    shown = [w for e in ass.events for w in e.plaintext.replace("\\N", " ").split()]
    assert shown == [w.text for w in words]
    starts = {round(w.start * 1000) for w in words}
    for event in ass.events:
        assert min(abs(event.start - t) for t in starts) <= 10
        assert "\\k" in event.text and event.style == "Caption"
    assert ass.info["PlayResX"] == "1080" and ass.info["PlayResY"] == "1920"
    style = ass.styles["Caption"]
    assert style.alignment == pysubs2.Alignment.BOTTOM_CENTER and style.bold


def test_clip_ass_fits_any_play_area(transcript: TranscriptResult) -> None:
    portrait = pysubs2.SSAFile.from_string(clip_ass(transcript, 0.0, 8.0), format_="ass")
    landscape = pysubs2.SSAFile.from_string(
        clip_ass(transcript, 0.0, 8.0, play_res=(1920, 1080)), format_="ass"
    )
    assert (landscape.info["PlayResX"], landscape.info["PlayResY"]) == ("1920", "1080")
    # sizes follow the short side (the same on both), margins the height
    assert landscape.styles["Caption"].fontsize == portrait.styles["Caption"].fontsize
    assert landscape.styles["Caption"].marginv < portrait.styles["Caption"].marginv
    assert [e.start for e in landscape.events] == [e.start for e in portrait.events]


def test_spoken_markup_characters_survive_srt_and_vtt() -> None:
    """`Q&A`, `<i>` and `-->` said aloud: SRT shows them without entities or tags, VTT as
    character references, and neither format's cue timing line can be forged."""
    import html

    from jobs.media.subtitles import to_srt, to_vtt

    words = _words("Q&A about <i> and --> arrows")
    cue = Cue(start=words[0].start, end=words[-1].end, words=tuple(words))
    srt, vtt = to_srt([cue]), to_vtt([cue])
    srt_text = srt.splitlines()[2]
    assert srt_text == "Q&A about \u2039i\u203a and --\u203a arrows"
    assert "&amp;" not in srt and "<" not in srt_text and srt.count("-->") == 1
    vtt_text = vtt.splitlines()[3]
    assert vtt_text == "Q&amp;A about &lt;i&gt; and --&gt; arrows"
    assert html.unescape(vtt_text) == "Q&A about <i> and --> arrows"
    assert vtt.count("-->") == 1
    for text, fmt in ((srt, "srt"), (vtt, "vtt")):
        parsed = pysubs2.SSAFile.from_string(text, format_=fmt)
        assert len(parsed) == 1 and parsed[0].start == round(words[0].start * 1000)
