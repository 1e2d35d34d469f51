"""Filler and pause removal on espeak-ng speech with known fillers and silences.

Whisper drops fillers unless prompted with some (VERBATIM_PROMPT, given by default:
CLIPFORGE_WHISPER_VERBATIM); the test first checks that the input's transcript has them, so
"none in the output" means they were cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.probe import probe
from jobs.media.audio import extract_audio
from jobs.media.cleanup import is_filler, plan_cleanup
from jobs.media.envelope import loudness_envelope
from jobs.media.export.render import render_export
from jobs.media.export.spec import ExportSpec
from jobs.media.transcribe import transcribe
from jobs.media.types import TranscriptResult
from tests.media.fixtures_media import SAMPLE_RATE, mux, speak, write_wav

# (text, silence after it in seconds)
SCRIPT = [
    ("So I think", 0.25),
    ("um", 0.25),
    ("we should start the show", 1.2),
    ("right now", 0.25),
    ("uh", 0.25),
    ("with a short story.", 0.6),
]
LEAD_S = 0.3
KEEP_S = 0.2


@dataclass(frozen=True)
class FillerTalk:
    video: Path
    duration: float
    expected_cut_fillers: float  # seconds removed by removeFillers alone
    expected_cut_pauses: float  # ... by removeSilences alone
    expected_cut_both: float


@pytest.fixture(scope="module")
def filler_talk(media_dir: Path) -> FillerTalk:
    d = media_dir / "fillers"
    d.mkdir(exist_ok=True)
    parts = [np.zeros(int(LEAD_S * SAMPLE_RATE), np.int16)]
    lengths = []
    for i, (text, after) in enumerate(SCRIPT):
        speech = speak(text, d / f"p{i}.wav")
        lengths.append(len(speech) / SAMPLE_RATE)
        parts += [speech, np.zeros(int(after * SAMPLE_RATE), np.int16)]
    samples = np.concatenate(parts)
    write_wav(d / "talk.wav", samples)
    video = mux(d / "talk.wav", d / "talk.mp4")
    # a filler and the silences either side of it become one short pause
    fillers = sum(
        SCRIPT[i - 1][1] + lengths[i] + SCRIPT[i][1] - KEEP_S
        for i, (text, _) in enumerate(SCRIPT)
        if is_filler(text)
    )
    pauses = sum(after - KEEP_S for _t, after in SCRIPT[:-1] if after > 0.5)
    return FillerTalk(video, len(samples) / SAMPLE_RATE, fillers, pauses, fillers + pauses)


async def words_of(video: Path, wav: Path, s: Settings) -> TranscriptResult:
    await extract_audio(video, wav, settings=s)
    assert s.whisper_verbatim  # the default: fillers are transcribed
    return await transcribe(wav, settings=s)


@pytest.fixture(scope="module")
async def input_transcript(
    filler_talk: FillerTalk, media_dir: Path, media_settings: Settings
) -> TranscriptResult:
    return await words_of(filler_talk.video, media_dir / "fillers_in.wav", media_settings)


def test_whisper_hears_the_fillers_in_the_input(input_transcript: TranscriptResult) -> None:
    assert sum(is_filler(w.text) for w in input_transcript.words) >= 2


@pytest.mark.parametrize(
    "fillers,silences,expected",
    [(True, False, "expected_cut_fillers"), (False, True, "expected_cut_pauses")],
)
async def test_each_cleanup_alone_cuts_its_share(
    filler_talk: FillerTalk,
    input_transcript: TranscriptResult,
    media_settings: Settings,
    fillers: bool,
    silences: bool,
    expected: str,
) -> None:
    env = await loudness_envelope(
        filler_talk.video, 0, filler_talk.duration, step=0.02, settings=media_settings
    )
    edits = plan_cleanup(
        input_transcript.words,
        filler_talk.duration,
        env,
        remove_fillers=fillers,
        remove_silences=silences,
    )
    cut = filler_talk.duration - edits.duration
    assert cut == pytest.approx(getattr(filler_talk, expected), abs=0.2)


async def test_fillers_and_pauses_are_cut_from_the_export(
    filler_talk: FillerTalk,
    input_transcript: TranscriptResult,
    media_dir: Path,
    media_settings: Settings,
) -> None:
    out = media_dir / "fillers_out.mp4"
    spec = ExportSpec(
        words=tuple(input_transcript.words),
        remove_fillers=True,
        remove_silences=True,
        size=(180, 320),
    )
    result = await render_export(
        filler_talk.video, 0.0, filler_talk.duration, spec, out, settings=media_settings
    )
    expected = filler_talk.duration - filler_talk.expected_cut_both
    assert result.duration == pytest.approx(expected, abs=0.2)
    assert result.edits.duration == pytest.approx(result.duration, abs=0.05)
    assert result.edits.fillers_removed == 2 and result.edits.pauses_shortened == 1
    info = await probe(out)
    assert info.audio_duration == pytest.approx(info.video_duration, abs=0.08)  # in step

    again = await words_of(out, media_dir / "fillers_out.wav", media_settings)
    heard = [w.text for w in again.words]
    assert not [w for w in heard if is_filler(w)], heard
    text = " ".join(heard).lower()
    for phrase in ("think", "start the show", "right now", "short story"):
        assert phrase in text, text
    # subtitles follow the cuts: each word's re-timed start is where it is heard now
    retimed = {
        w.text.strip(",.").lower(): w.start for w in result.edits.retime(spec.words, drop=is_filler)
    }
    for w in again.words:
        key = w.text.strip(",.").lower()
        if key in ("right", "with"):
            assert retimed[key] == pytest.approx(w.start, abs=0.25), key
