"""Exports from the source: sizes per aspect, crop and blur fill, subtitles burned into the
pixels, one encode from the original (the clip range, frame-accurate), filter escaping."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from core.caption_styles import DEFAULT_PRESET, PRESETS
from core.config import Settings
from core.ffmpeg_exec import run_tool
from core.probe import probe
from jobs.media.export.frame import SIZES, Aspect, Fill, escape_filter_value
from jobs.media.export.render import render_export
from jobs.media.export.spec import ExportSpec
from jobs.media.subtitles import clip_ass, clip_words
from jobs.media.types import TranscriptResult
from tests.media.conftest import Talk

CLIP = (5.2, 7.2)  # inside sentence 2: subtitles are on screen at 1.5 s (2 s keeps it quick)
SMALL = {  # the aspects' shapes at a tenth of their size: the same filters, quicker
    "VERTICAL_9_16": (108, 192),
    "SQUARE_1_1": (108, 108),
    "LANDSCAPE_16_9": (192, 108),
}


@pytest.fixture(scope="session")
def clip_ass_file(transcript: TranscriptResult, media_dir: Path) -> Path:
    path = media_dir / "clip.ass"
    path.write_text(clip_ass(transcript, *CLIP), "utf-8")
    return path


def frame_at(video: Path, at: float, size: str = "108x192") -> bytes:
    """One decoded frame, small and grey, for pixel comparisons."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(video), "-frames:v", "1"]
        + ["-s", size, "-pix_fmt", "gray", "-f", "rawvideo", "-"],
        check=True,
        capture_output=True,
    ).stdout


def mean_abs_diff(a: bytes, b: bytes) -> float:
    assert len(a) == len(b) and a
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


@pytest.fixture(scope="session")
async def vertical_plain(talk: Talk, media_dir: Path, media_settings: Settings) -> Path:
    dst = media_dir / "vertical_plain.mp4"
    spec = ExportSpec(size=SMALL["VERTICAL_9_16"])
    await render_export(talk.video, *CLIP, spec, dst, settings=media_settings)
    return dst


def test_every_aspect_has_its_export_size() -> None:
    assert SIZES == {
        "VERTICAL_9_16": (1080, 1920),
        "SQUARE_1_1": (1080, 1080),
        "LANDSCAPE_16_9": (1920, 1080),
    }
    assert ExportSpec(aspect="SQUARE_1_1").frame_size == (1080, 1080)


@pytest.mark.parametrize(
    "aspect,fill",
    [("VERTICAL_9_16", "blur"), ("SQUARE_1_1", "crop"), ("LANDSCAPE_16_9", "crop")],
)
async def test_export_has_requested_shape_and_the_clips_length(
    talk: Talk,
    vertical_plain: Path,
    media_dir: Path,
    media_settings: Settings,
    aspect: Aspect,
    fill: Fill,
) -> None:
    dst = media_dir / f"export_{aspect}_{fill}.mp4"
    spec = ExportSpec(aspect=aspect, fill=fill, size=SMALL[aspect])
    result = await render_export(talk.video, *CLIP, spec, dst, settings=media_settings)
    info = await probe(dst)
    assert (info.width, info.height) == (result.width, result.height) == SMALL[aspect]
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert result.duration == pytest.approx(CLIP[1] - CLIP[0], abs=0.04)  # one frame
    with dst.open("rb") as f:  # faststart: the index (moov) comes before the media (mdat)
        head = f.read(64 * 1024)
    assert 0 <= head.find(b"moov") < head.find(b"mdat")
    if fill == "blur":  # the whole 4:3 frame shows in a middle band: it cannot equal the crop
        assert mean_abs_diff(frame_at(vertical_plain, 1.0), frame_at(dst, 1.0)) > 5.0


async def test_the_export_starts_where_the_clip_does(
    talk: Talk, vertical_plain: Path, media_dir: Path, media_settings: Settings
) -> None:
    """Seeking the source lands on the clip's first frame: an export of a range starting a
    second later shows, at 0, what the first one shows at 1 s (testsrc2 moves every frame)."""
    later = media_dir / "vertical_later.mp4"
    spec = ExportSpec(size=SMALL["VERTICAL_9_16"])
    await render_export(talk.video, CLIP[0] + 1.0, CLIP[1], spec, later, settings=media_settings)
    same = mean_abs_diff(frame_at(vertical_plain, 1.0), frame_at(later, 0.0))
    other = mean_abs_diff(frame_at(vertical_plain, 0.0), frame_at(later, 0.0))
    assert same < 2.0 < other


async def test_burned_subtitles_change_the_pixels(
    talk: Talk,
    transcript: TranscriptResult,
    vertical_plain: Path,
    media_dir: Path,
    media_settings: Settings,
) -> None:
    subbed = media_dir / "vertical_subbed.mp4"
    spec = ExportSpec(
        style=PRESETS[DEFAULT_PRESET],
        words=tuple(clip_words(transcript, *CLIP)),
        size=SMALL["VERTICAL_9_16"],
    )
    await render_export(talk.video, *CLIP, spec, subbed, settings=media_settings)
    a, b = frame_at(vertical_plain, 1.5), frame_at(subbed, 1.5)
    width, height = 108, 192
    rows = [
        mean_abs_diff(a[y * width : (y + 1) * width], b[y * width : (y + 1) * width])
        for y in range(height)
    ]
    assert mean_abs_diff(a, b) > 1.0
    # the text sits in the lower part of the frame (bottom-centre style), none at the top
    assert sum(rows[height // 2 :]) > 5 * sum(rows[: height // 3])


async def test_filter_escaping_survives_awkward_paths(
    talk: Talk, clip_ass_file: Path, tmp_path: Path
) -> None:
    odd_dir = tmp_path / "it's [a], dir; x=1:2"
    odd_dir.mkdir()
    odd = odd_dir / "sub,title's.ass"
    shutil.copyfile(clip_ass_file, odd)
    out = tmp_path / "odd.mp4"
    seek = ["-ss", str(CLIP[0]), "-i", str(talk.video), "-t", "1.8"]
    graph = f"scale=108:192,ass=filename={escape_filter_value(str(odd))}"
    await run_tool(
        ["ffmpeg", "-y", *seek, "-vf", graph, "-an", str(out)], timeout=60, memory_mb=1024
    )
    plain = tmp_path / "odd_plain.mp4"
    await run_tool(
        ["ffmpeg", "-y", *seek, "-vf", "scale=108:192", "-an", str(plain)],
        timeout=60,
        memory_mb=1024,
    )
    assert mean_abs_diff(frame_at(out, 1.5), frame_at(plain, 1.5)) > 1.0
