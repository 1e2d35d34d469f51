"""The upload's language reaches the transcriber, and an English-only model (tiny.en) hands
speech in another language, asked for or detected, to the packaged multilingual `base`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.config import Settings
from jobs.media.audio import extract_audio
from jobs.media.transcribe import transcribe
from jobs.media.whisper_model import choose_model, english_only
from orm.models import Transcript
from tests.media.fixtures_media import SAMPLE_RATE, mux, speak, write_wav
from tests.pipeline.conftest import Talk, make_upload

GERMAN = ("Guten Morgen.", "Heute sprechen wir über die Preise unserer Software.")


def _speech(folder: Path, sentences: tuple[str, ...], voice: str) -> Path:
    """A WAV of the sentences in the espeak-ng voice, a second of silence around each."""
    gap = np.zeros(SAMPLE_RATE, np.int16)
    parts = [gap]
    for i, text in enumerate(sentences):
        parts += [speak(text, folder / f"{voice}-{i}.wav", voice=voice), gap]
    wav = folder / f"{voice}.wav"
    write_wav(wav, np.concatenate(parts))
    return wav


@pytest.fixture(scope="module")
async def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("languages")
    out = {}
    for voice, sentences in (("de", GERMAN), ("en-us", ("Good morning to all of you.",))):
        wav = _speech(folder, sentences, voice)
        out[voice[:2]] = await extract_audio(wav, folder / f"{voice}-16k.wav")
        out[voice[:2] + "-video"] = mux(wav, folder / f"{voice}.mp4")
    return out


def test_english_only_models_are_told_by_name() -> None:
    assert english_only("tiny.en") and english_only("/models/base.en/")
    assert not english_only("base") and not english_only("large-v3")


def test_the_model_follows_the_language(settings: Settings, speech: dict[str, Path]) -> None:
    tiny = replace_settings(settings, whisper_model="tiny.en")
    assert choose_model(tiny, "en", speech["de"]) == ("tiny.en", "en")  # asked: trusted
    assert choose_model(tiny, "fr", speech["en"]) == ("base", "fr")
    assert choose_model(tiny, None, speech["en"]) == ("tiny.en", "en")  # detected English
    assert choose_model(tiny, None, speech["de"]) == ("base", "de")  # detected German
    never = replace_settings(settings, whisper_model="tiny.en", whisper_multilingual_model="")
    assert choose_model(never, None, speech["de"]) == ("tiny.en", None)
    multilingual = replace_settings(settings, whisper_model="base")
    assert choose_model(multilingual, None, speech["de"]) == ("base", None)  # it detects itself


async def test_german_speech_is_transcribed_in_german(
    settings: Settings, speech: dict[str, Path]
) -> None:
    result = await transcribe(speech["de"], settings=settings)
    assert result.language == "de"
    said = result.text.lower()
    assert "morgen" in said and "preise" in said, said


async def test_the_upload_language_reaches_the_transcriber(
    db: None, settings: Settings, speech: dict[str, Path], redis: Any
) -> None:
    from jobs.tasks.transcribe import transcribe as transcribe_job
    from tests.factories import create_user

    user, _ = await create_user()
    upload = await make_upload(user, Talk(video=speech["de-video"], onsets=[]))
    upload.clip_options = {"language": "de"}
    await upload.save(update_fields=["clip_options"])
    await transcribe_job({}, str(upload.id))
    transcript = await Transcript.get(upload_id=upload.id)
    assert transcript.language == "de" and "preise" in transcript.text.lower()


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update=changes)
