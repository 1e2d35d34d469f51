"""Session-wide generated media for the media tests (tiny: 320x240, about 24 s)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import jobs.media.transcribe as transcribe_module
from core.config import Settings
from jobs.media.audio import extract_audio
from jobs.media.transcribe import transcribe
from jobs.media.types import Segment, TranscriptResult
from tests.media.fixtures_media import DEFAULT_SENTENCES, make_silent_video, make_talk


@dataclass(frozen=True)
class Talk:
    video: Path
    onsets: list[float]
    sentences: tuple[str, ...]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def media_settings(media_dir: Path) -> Settings:
    return Settings(
        var_dir=media_dir / "var",
        whisper_model="tiny.en",
        whisper_device="cpu",
        whisper_compute_type="int8",
        ffmpeg_timeout_seconds=300,
        ffmpeg_memory_mb=2048,
    )


@pytest.fixture(scope="session")
def talk(media_dir: Path) -> Talk:
    video, onsets = make_talk(media_dir / "talk", DEFAULT_SENTENCES)
    return Talk(video=video, onsets=onsets, sentences=DEFAULT_SENTENCES)


@pytest.fixture(scope="session")
def silent_video(media_dir: Path) -> Path:
    return make_silent_video(media_dir / "silent.mp4")


@pytest.fixture(scope="session")
async def talk_wav(talk: Talk, media_dir: Path, media_settings: Settings) -> Path:
    return await extract_audio(talk.video, media_dir / "talk16k.wav", settings=media_settings)


@pytest.fixture(scope="session")
async def progress_and_transcript(
    talk_wav: Path, media_settings: Settings
) -> tuple[list[tuple[str, float]], TranscriptResult]:
    """Transcribe once, recording progress and decoded segments in the order they happen.

    faster-whisper yields a 30 s window's segments together (each cut into sentences), so
    with this short audio the decoding thread waits (up to 20 s) at the second sentence for
    the first progress report: the report can only arrive then if it is delivered while
    decoding still runs.
    """
    events: list[tuple[str, float]] = []
    first_report = threading.Event()
    original = transcribe_module._to_segment

    def spy(seg: Any, words: list[Any], whole: bool) -> Segment:  # in the decoding thread
        if sum(kind == "segment" for kind, _ in events) == 1:
            events.append(("waited", float(first_report.wait(20))))
        piece = original(seg, words, whole)
        events.append(("segment", piece.end))
        return piece

    async def on_progress(fraction: float) -> None:
        events.append(("progress", fraction))
        first_report.set()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transcribe_module, "_to_segment", spy)
        result = await transcribe(talk_wav, settings=media_settings, on_progress=on_progress)
    return events, result


@pytest.fixture(scope="session")
def transcript(
    progress_and_transcript: tuple[list[tuple[str, float]], TranscriptResult],
) -> TranscriptResult:
    return progress_and_transcript[1]


@pytest.fixture(scope="session")
def talk_video(talk: Talk) -> Path:
    return talk.video


@pytest.fixture(scope="session")
def progress_events(
    progress_and_transcript: tuple[list[tuple[str, float]], TranscriptResult],
) -> list[tuple[str, float]]:
    return progress_and_transcript[0]
