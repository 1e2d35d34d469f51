"""ffprobe wrapper: real media described, non-media refused with a typed error."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.probe import InvalidMedia, ProbeError, probe
from tests.media.conftest import Talk


async def test_probe_describes_the_talk(talk: Talk) -> None:
    info = await probe(talk.video)
    assert info.has_audio and info.has_video
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(25.0)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert "mp4" in info.format_name
    assert info.duration == pytest.approx(talk.onsets[-1] + 4.0, abs=2.0)


async def test_silent_video_has_no_audio(silent_video: Path) -> None:
    info = await probe(silent_video)
    assert info.has_video and not info.has_audio
    assert info.duration == pytest.approx(2.0, abs=0.1)


async def test_text_file_renamed_mp4_is_invalid_media(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("These are my meeting notes, not a video.\n" * 50)
    with pytest.raises(InvalidMedia):
        await probe(fake)


async def test_missing_file_and_refused_source_are_probe_errors(tmp_path: Path) -> None:
    with pytest.raises(ProbeError):
        await probe(tmp_path / "absent.mp4")
    with pytest.raises(ProbeError):
        await probe("ftp://example.com/video.mp4")


async def test_unreachable_url_is_a_probe_error_not_invalid_media() -> None:
    """A download that fails says nothing about the media: the api must not reject it."""
    import socket

    with socket.socket() as s:  # a local port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProbeError) as err:
        await probe(f"http://127.0.0.1:{port}/video.mp4")
    assert not isinstance(err.value, InvalidMedia)
