"""The transcript coverage check: speech with no word near it is speech a decode lost, and a
prompted decode that lost some is done again without the prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.config import Settings
from jobs.media.coverage import Coverage, coverage, speech_spans
from jobs.media.types import Segment, TranscriptResult, Word
from tests.media.fixtures_media import SAMPLE_RATE, speak, write_wav


def words_at(*times: tuple[float, float]) -> list[Word]:
    return [Word(start=a, end=b, text="word", probability=0.9) for a, b in times]


def test_speech_near_a_word_is_covered_and_the_rest_is_lost() -> None:
    spans = [(0.0, 4.0), (5.0, 9.0), (10.0, 20.0)]
    whole = coverage(spans, words_at((0.2, 3.8), (5.1, 8.9), (10.2, 19.5)))
    assert whole == Coverage(speech=18.0, uncovered=0.0) and not whole.lost_speech
    # the first 8 s said, the last 10 s not: a skip
    skipped = coverage(spans, words_at((0.2, 3.8), (5.1, 8.9)))
    assert skipped.uncovered == 10.0 and skipped.lost_speech
    # a second of noise VAD took for speech is not a loss
    noise = coverage([*spans, (21.0, 22.0)], words_at((0.2, 3.8), (5.1, 8.9), (10.2, 19.5)))
    assert noise.uncovered == 1.0 and not noise.lost_speech
    assert coverage(spans, []).uncovered == 18.0


def test_voice_activity_finds_each_sentence(media_dir: Path) -> None:
    from faster_whisper import decode_audio

    first = speak("The first sentence is here.", media_dir / "cov1.wav")
    second = speak("And a second one follows it.", media_dir / "cov2.wav")
    pause = np.zeros(SAMPLE_RATE, np.int16)
    write_wav(media_dir / "cov.wav", np.concatenate([pause, first, pause, second, pause]))
    spans = speech_spans(decode_audio(str(media_dir / "cov.wav"), sampling_rate=16_000))
    one = 1.0 + len(first) / SAMPLE_RATE  # where the first sentence ends
    assert len(spans) == 2, spans
    assert abs(spans[0][0] - 1.0) < 0.3 and abs(spans[0][1] - one) < 0.3, spans
    assert abs(spans[1][0] - (one + 1.0)) < 0.3, spans


async def test_a_prompted_decode_that_skips_speech_is_tried_again_then_done_plain(
    media_dir: Path, media_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prompted passes that lose the first sentence (as tiny.en did with the verbatim prompt
    on a 40 s talk) are tried again, then the plain pass, which accounts for it, is kept.
    A prompted pass that lost nothing, at the first try or a later one, is kept."""
    from jobs.media import transcribe as t

    def result(*times: tuple[float, float]) -> TranscriptResult:
        ws = tuple(words_at(*times))
        seg = Segment(start=ws[0].start, end=ws[-1].end, text="word " * len(ws), words=ws)
        return TranscriptResult(language="en", duration=12.0, segments=(seg,))

    passes: list[str | None] = []
    prompted_losses = 0  # how many prompted passes in a row lose the first sentence

    def fake_pass(*args: Any) -> TranscriptResult:
        nonlocal prompted_losses
        prompt = args[4]
        passes.append(prompt)
        if prompt and prompted_losses:
            prompted_losses -= 1
            return result((7.0, 11.0))
        return result((1.0, 5.0), (7.0, 11.0))

    wav = media_dir / "coverage-silence.wav"
    write_wav(wav, np.zeros(SAMPLE_RATE, np.int16))
    monkeypatch.setattr(t, "_decode_pass", fake_pass)
    monkeypatch.setattr(t, "speech_spans", lambda audio: [(1.0, 5.0), (7.0, 11.0)])
    prompt = t.VERBATIM_PROMPT
    for losses, expected in (
        (0, [prompt]),
        (1, [prompt, prompt]),
        (t.PROMPTED_TRIES, [prompt] * t.PROMPTED_TRIES + [None]),
    ):
        passes.clear()
        prompted_losses = losses
        kept = await t.transcribe(wav, settings=media_settings, refine=False)
        assert passes == expected
        assert [w.start for w in kept.words] == [1.0, 7.0]
