"""Audio extraction for Whisper and per-second loudness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.ffmpeg_exec import MediaToolError
from core.probe import probe_json
from jobs.media.audio import audio_features, dbfs, detect_peaks, extract_audio, loudness
from tests.media.conftest import Talk
from tests.media.fixtures_media import write_wav


async def test_extracted_wav_is_mono_16k_pcm(talk_wav: Path, talk: Talk) -> None:
    data = await probe_json(talk_wav)
    stream = data["streams"][0]
    assert stream["codec_name"] == "pcm_s16le"
    assert (int(stream["sample_rate"]), stream["channels"]) == (16000, 1)
    assert float(data["format"]["duration"]) == pytest.approx(talk.onsets[-1] + 4, abs=2)


async def test_video_without_audio_fails_typed(
    silent_video: Path, tmp_path: Path, media_settings: Settings
) -> None:
    with pytest.raises(MediaToolError):
        await extract_audio(silent_video, tmp_path / "none.wav", settings=media_settings)


def test_loudness_follows_speech_and_silence(talk_wav: Path, talk: Talk) -> None:
    levels = loudness(talk_wav)
    assert len(levels) == pytest.approx(talk.onsets[-1] + 4, abs=2)
    assert levels[0] < -50  # the lead-in silence
    for onset in talk.onsets:
        assert levels[int(onset) + 1] > -35  # a second inside each sentence


def test_dbfs_reference_levels() -> None:
    t = np.arange(16000) / 16000
    assert dbfs(np.sin(2 * np.pi * 440 * t)) == pytest.approx(-3.01, abs=0.05)
    assert dbfs(0.1 * np.ones(100)) == pytest.approx(-20.0, abs=0.01)
    assert dbfs(np.zeros(100)) == -90.0


def test_peaks_mark_sudden_bursts(tmp_path: Path) -> None:
    rate = 16000
    t = np.arange(rate) / rate
    quiet = (0.02 * 32767 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)
    loud = (0.6 * 32767 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)
    seconds = [quiet] * 6 + [loud] + [quiet] * 5 + [loud] + [quiet] * 2
    wav = tmp_path / "bursts.wav"
    write_wav(wav, np.concatenate(seconds), rate=rate)
    features = audio_features(wav)
    assert len(features.loudness) == len(seconds)
    assert features.peaks == (6.0, 12.0)
    assert detect_peaks([-30.0] * 10) == []
