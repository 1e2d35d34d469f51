"""Long audio in chunks: cuts fall in silences, chunks put back together are the audio, and the
chunks' transcripts merged in order hold every spoken word once, at its time on the whole."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from jobs.media.audio import SAMPLE_RATE, extract_audio
from jobs.media.chunks import Span, merge, needs_chunks, plan_spans, shift, write_span
from jobs.media.transcribe import transcribe
from jobs.media.types import Segment, TranscriptResult, Word
from tests.media.fixtures_media import make_speech, word_error_rate, words_of

SENTENCES = (
    "Every good talk starts with a question that people care about.",
    "Then it tells a short story with a clear beginning and end.",
    "The middle gives three facts that support the main idea.",
    "A good speaker pauses after each important point.",
    "Near the end the speaker repeats the question once more.",
    "Finally the talk closes with one simple thing to try today.",
)


def write(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def bursts(gaps: list[tuple[float, float]], total: float) -> np.ndarray:
    """Loud noise everywhere except the given silent (start, end) gaps, in seconds."""
    rng = np.random.default_rng(7)
    samples = (rng.standard_normal(int(total * SAMPLE_RATE)) * 6000).astype(np.int16)
    for lo, hi in gaps:
        samples[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)] = 0
    return samples


def test_cuts_fall_in_the_silence_nearest_each_chunk_length(tmp_path: Path) -> None:
    gaps = [(4.0, 4.4), (9.0, 9.5), (13.1, 13.4), (19.5, 20.0), (27.0, 27.3)]
    wav = write(tmp_path / "noise.wav", bursts(gaps, 33.0))
    spans = plan_spans(wav, 10.0)
    assert spans[0].start == 0 and spans[-1].end == 33 * SAMPLE_RATE
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    cuts = [s.start / SAMPLE_RATE for s in spans[1:]]
    # Nominal cuts at 10 s and then 10 s after each cut, moved into the nearest silence.
    assert len(cuts) == 2
    assert 9.0 < cuts[0] < 9.5 and 19.5 < cuts[1] < 20.0, cuts


def test_chunks_put_back_together_are_the_audio(tmp_path: Path) -> None:
    samples = bursts([(5.0, 5.5), (11.0, 11.4), (16.0, 16.5)], 22.0)
    wav = write(tmp_path / "whole.wav", samples)
    spans = plan_spans(wav, 5.0)
    assert len(spans) >= 3
    joined = b""
    for i, span in enumerate(spans):
        with wave.open(str(write_span(wav, span, tmp_path / f"{i}.wav")), "rb") as part:
            joined += part.readframes(part.getnframes())
    assert joined == samples.astype("<i2").tobytes()


def test_short_media_keeps_one_job() -> None:
    assert not needs_chunks(599.0, 300.0) and needs_chunks(600.0, 300.0)


def test_shift_offsets_word_times_exactly_and_keeps_them_in_the_chunk() -> None:
    span = Span(start=123 * SAMPLE_RATE // 2, end=200 * SAMPLE_RATE)  # 61.5 s .. 200 s
    part = TranscriptResult(
        language="en",
        duration=138.5,
        segments=(
            Segment(0.12, 1.5, "hi there", (Word(0.12, 0.5, "hi"), Word(0.6, 1.5, "there"))),
            Segment(138.0, 140.0, "late", (Word(138.0, 140.0, "late"),)),
        ),
    )
    shifted = shift(part, span)
    assert [(w.start, w.end) for w in shifted[0].words] == [(61.62, 62.0), (62.1, 63.0)]
    assert shifted[1].words[0].end == 200.0  # never past the chunk's end
    merged = merge([(shifted, "en"), ((), "")], 200.0)
    assert merged.language == "en" and [w.text for w in merged.words] == ["hi", "there", "late"]


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float], list[float]]:
    folder = tmp_path_factory.mktemp("chunk-speech")
    return make_speech(folder, SENTENCES, silence=1.2)


async def test_merged_chunks_hold_every_word_once_at_its_time(
    speech: tuple[Path, list[float], list[float]], media_settings: Settings, tmp_path: Path
) -> None:
    source, onsets, ends = speech
    wav = await extract_audio(source, tmp_path / "audio16k.wav", settings=media_settings)
    spans = plan_spans(wav, 8.0)
    assert len(spans) >= 3
    parts = []
    for i, span in enumerate(spans):
        piece = write_span(wav, span, tmp_path / f"chunk-{i}.wav")
        result = await transcribe(piece, settings=media_settings)
        parts.append((shift(result, span), result.language))
    merged = merge(parts, spans[-1].end_seconds)
    whole = await transcribe(wav, settings=media_settings)

    # At every seam, the sentence before it ends the chunk and the next one opens the next
    # chunk: no word lost or repeated where the audio was cut.
    for (before, _), (after, _), span in zip(parts, parts[1:], spans[1:], strict=False):
        cut = span.start_seconds
        i = max(k for k, end in enumerate(ends) if end <= cut)
        assert onsets[i + 1] >= cut, "the cut is inside a sentence"
        last = [w for s in before for w in s.words][-1]
        first = [w for s in after for w in s.words][0]
        assert words_of(last.text) == words_of(SENTENCES[i])[-1:], (cut, last)
        assert words_of(first.text) == words_of(SENTENCES[i + 1])[:1], (cut, first)
        assert last.end <= cut <= first.start
    reference = " ".join(SENTENCES)
    assert word_error_rate(reference, merged.text) <= word_error_rate(reference, whole.text) + 0.05
    starts = [w.start for w in merged.words]
    assert starts == sorted(starts)
    # Each sentence's first word starts near its known onset on the whole audio's clock.
    for onset in onsets:
        assert min(abs(w.start - onset) for w in merged.words) < 0.5, onset
