"""Verbatim transcription (CLIPFORGE_WHISPER_VERBATIM, on by default): filler words are
transcribed all through a recording, not only in Whisper's first 30 s window, and not when
the setting is off; the English prompt is given to English speech only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from jobs.media.audio import extract_audio
from jobs.media.cleanup import is_filler
from jobs.media.transcribe import VERBATIM_PROMPT, language_and_prompt, transcribe
from jobs.media.whisper_model import load_model
from tests.media.fixtures_media import SAMPLE_RATE, mux, speak, write_wav

SENTENCES = [
    "So I think we should start the show right now.",
    "Our guest today builds tools for video creators.",
    "She has been doing this for more than ten years.",
    "Let us talk about what makes a short clip work.",
]
FILLERS = ("um", "uh")
GAP_S = 0.25  # speech all along: Whisper's voice detection keeps it in one stream
WINDOW_S = 30.0  # Whisper decodes 30 s windows


@dataclass(frozen=True)
class Fillers:
    wav: Path
    spoken: list[float]  # when each filler is said


@pytest.fixture(scope="module")
async def fillers(media_dir: Path, media_settings: Settings) -> Fillers:
    """About a minute of continuous speech with a filler after every sentence."""
    d = media_dir / "verbatim"
    d.mkdir(exist_ok=True)
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), np.int16)
    parts = [np.zeros(int(0.5 * SAMPLE_RATE), np.int16)]
    pos, spoken = len(parts[0]), []
    for i in range(16):
        for text in (SENTENCES[i % len(SENTENCES)], FILLERS[i % len(FILLERS)]):
            speech = speak(text, d / "part.wav")
            if is_filler(text):
                spoken.append(pos / SAMPLE_RATE)
            parts += [speech, gap]
            pos += len(speech) + len(gap)
    write_wav(d / "talk.wav", np.concatenate(parts))
    video = mux(d / "talk.wav", d / "talk.mp4")
    wav = await extract_audio(video, d / "talk16k.wav", settings=media_settings)
    assert sum(t > WINDOW_S + 5 for t in spoken) >= 4
    return Fillers(wav, spoken)


async def test_fillers_are_heard_past_the_first_window(
    fillers: Fillers, media_settings: Settings
) -> None:
    assert media_settings.whisper_verbatim  # the default
    result = await transcribe(fillers.wav, settings=media_settings)
    heard = [w.start for w in result.words if is_filler(w.text)]
    found = [t for t in fillers.spoken if any(abs(h - t) < 1.0 for h in heard)]
    late = [t for t in found if t > WINDOW_S + 1]
    # Measured (tiny.en): 13 to 15 of the 16 fillers, 6 or 7 of the 8 past 30 s; once 8 of
    # 16 in a busy suite run (Whisper is not deterministic here). An initial prompt found 8,
    # none past 30 s; no prompt found none. The bounds separate those, with room.
    assert len(found) >= 6 and len(late) >= 2, (fillers.spoken, heard)


async def test_without_verbatim_whisper_drops_them(
    fillers: Fillers, media_settings: Settings
) -> None:
    result = await transcribe(fillers.wav, settings=media_settings, verbatim=False)
    # Measured: none of the 16 in four runs, 2 once in a busy suite run, 4 on another
    # machine; with verbatim 6+ (the bound of the test above), so the two stay apart.
    assert len([w.text for w in result.words if is_filler(w.text)]) <= 5
    assert "start the show" in result.text.lower()  # the speech itself is there


def test_the_english_prompt_goes_to_english_speech_only(media_settings: Settings) -> None:
    model = load_model(media_settings)  # tiny.en: English only, no detection needed
    assert language_and_prompt(model, Path("unused.wav"), None, True) == (None, VERBATIM_PROMPT)
    assert language_and_prompt(model, Path("unused.wav"), "en", True) == ("en", VERBATIM_PROMPT)
    assert language_and_prompt(model, Path("unused.wav"), "fr", True) == ("fr", None)
    assert language_and_prompt(model, Path("unused.wav"), None, False) == (None, None)


def test_segments_are_sentences_and_stray_marks_are_no_words() -> None:
    """Whisper's segment cut at sentence ends, with its spacing; a lone "-" and a "T" it gives
    0.4 % probability (seen at a chunk's trailing silence when prompted), and a word of no
    length at the very end of the audio, are left out."""
    from types import SimpleNamespace as Raw

    from jobs.media.transcribe import _sentences, _to_segment

    words = [
        Raw(start=0.0, end=0.3, word=" Hi", probability=0.9),
        Raw(start=0.3, end=0.6, word=" there.", probability=0.8),
        Raw(start=1.0, end=1.2, word=" How", probability=0.9),
        Raw(start=1.2, end=1.4, word=" are", probability=0.9),
        Raw(start=1.4, end=1.7, word=" you?", probability=0.9),
        Raw(start=1.9, end=2.0, word=" -", probability=0.155),
        Raw(start=2.1, end=2.1, word=" T", probability=0.0037),
        Raw(start=2.48, end=2.48, word=" on?", probability=0.91),  # no length, at the end
    ]
    seg = Raw(start=0.0, end=2.5, text="Hi there. How are you? - T on?", words=words)
    groups = _sentences(seg, 2.5)
    pieces = [_to_segment(seg, g, whole=False) for g in groups]
    assert [p.text for p in pieces] == ["Hi there.", "How are you?"]
    assert [(p.start, p.end) for p in pieces] == [(0.0, 0.6), (1.0, 1.7)]
    assert [w.text for w in pieces[1].words] == ["How", "are", "you?"]
    head = Raw(**{**vars(seg), "words": words[:2]})
    one = _to_segment(seg, _sentences(head, 2.5)[0], whole=True)
    assert (one.start, one.end, one.text) == (0.0, 2.5, "Hi there.")
    # A word of no length is real when the audio goes on after it.
    assert [w.word for w in _sentences(seg, 9.0)[-1]] == [" on?"]
