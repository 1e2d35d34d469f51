"""Caption styles: validation, the ASS events each animation makes (timed within one frame
of the words), and burned-in pixels that differ between styles; the title overlay."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from core.caption_styles import PRESETS, CaptionStyle, validate_style
from core.config import Settings
from jobs.media.export.render import render_export
from jobs.media.export.spec import ExportSpec
from jobs.media.styles.ass_writer import caption_ass, group_lines
from jobs.media.styles.fonts import installed_families
from jobs.media.subtitles import clip_words
from jobs.media.types import TranscriptResult, Word
from tests.media.conftest import Talk

FRAME = 1 / 25
WORDS = [
    Word(0.30, 0.55, "Hello"),
    Word(0.62, 0.90, "there,"),
    Word(0.95, 1.40, "creators."),
    Word(2.60, 2.85, "Short"),
    Word(2.90, 3.30, "clips"),
    Word(3.35, 3.61, "win"),
    Word(3.70, 4.10, "today!"),
]
SIZE = (270, 480)


def events(style: CaptionStyle) -> list[pysubs2.SSAEvent]:
    doc = pysubs2.SSAFile.from_string(caption_ass(WORDS, style, 1080, 1920), format_="ass")
    return [e for e in doc.events if e.style == "Caption"]


def test_presets_are_valid_and_bad_fields_are_named() -> None:
    assert "DejaVu Sans" in installed_families()
    assert len(PRESETS) >= 3
    for style in PRESETS.values():
        assert validate_style(style) == [], style.name
    bad = CaptionStyle("x", font="Comic Nonexistent", size=5, text_color="white", words_per_line=0)
    fields = {p.field for p in validate_style(bad)}
    assert fields == {"font", "size", "text_color", "words_per_line"}


def test_the_fonts_styles_may_name_are_installed_in_the_worker_image() -> None:
    """The api validates fonts against CAPTION_FONTS (it runs no fontconfig): each must be
    a family fontconfig knows here, from the package the Dockerfile installs."""
    from pathlib import Path

    from core.caption_styles import CAPTION_FONTS

    assert set(CAPTION_FONTS) <= installed_families()
    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    assert "fonts-dejavu-core" in dockerfile and all(f.startswith("DejaVu") for f in CAPTION_FONTS)
    assert validate_style(CaptionStyle("x", font="dejavu serif")) == []  # any case
    extra = validate_style(CaptionStyle("x", font="Liberation Sans"), ["DejaVu Sans"])
    assert [p.code for p in extra] == ["FONT_NOT_INSTALLED"]


def test_lines_break_at_sentences_pauses_and_word_count() -> None:
    lines = group_lines(WORDS, 3)
    assert [len(line.words) for line in lines] == [3, 3, 1]
    lines = group_lines(WORDS, 2)
    assert [[w.text for w in line.words] for line in lines][:2] == [
        ["Hello", "there,"],
        ["creators."],
    ]


def test_none_shows_each_line_for_its_words() -> None:
    evs = events(replace(PRESETS["lower-third"], words_per_line=4))
    assert [e.plaintext for e in evs] == ["Hello there, creators.", "Short clips win today!"]
    assert abs(evs[0].start / 1000 - 0.30) <= FRAME and abs(evs[1].start / 1000 - 2.60) <= FRAME
    assert evs[0].end / 1000 <= 2.60


def test_karaoke_highlights_each_word_at_its_start() -> None:
    evs = events(replace(PRESETS["karaoke"], words_per_line=4))
    assert len(evs) == 2
    for ev, words in ((evs[0], WORDS[:3]), (evs[1], WORDS[3:])):
        ks = [int(k) for k in re.findall(r"\\k(\d+)", ev.text)]
        assert len(ks) == len(words)
        at = ev.start / 1000
        for k, w in zip(ks, words, strict=True):
            assert abs(at - w.start) <= FRAME, (w.text, at)
            at += k / 100


def test_word_by_word_colours_one_word_per_event() -> None:
    style = PRESETS["bold-pop"]
    evs = events(style)
    assert len(evs) == len(WORDS)
    hl = "\\c&H4BE82B&"  # #2BE84B written blue-green-red
    for ev, w in zip(evs, WORDS, strict=True):
        assert abs(ev.start / 1000 - w.start) <= FRAME
        coloured = re.findall(r"\{\\c&H[0-9A-F]{6}&\}([^{]+)\{\\r\}", ev.text)
        assert coloured == [w.text.upper()] and hl in ev.text
    assert abs(evs[1].end / 1000 - WORDS[2].start) <= FRAME  # until the next word


def test_pop_adds_words_one_at_a_time() -> None:
    evs = events(replace(PRESETS["one-word"], words_per_line=3))
    assert len(evs) == len(WORDS)
    assert evs[0].plaintext == "HELLO" and evs[1].plaintext == "HELLO THERE,"
    assert evs[3].plaintext == "SHORT"  # a new sentence starts a new line
    for ev, w in zip(evs, WORDS, strict=True):
        assert abs(ev.start / 1000 - w.start) <= FRAME
        assert "\\fscx130" in ev.text and "\\t(0,120" in ev.text
    one = events(PRESETS["one-word"])
    assert [e.plaintext for e in one] == [w.text.upper() for w in WORDS]


def test_title_is_a_boxed_event_over_the_first_seconds() -> None:
    doc = pysubs2.SSAFile.from_string(
        caption_ass(WORDS, PRESETS["karaoke"], 1080, 1920, title="Why {short} clips win"),
        format_="ass",
    )
    (title,) = [e for e in doc.events if e.style == "Title"]
    assert (title.start, title.end) == (0, 3000)
    assert "{short}" not in title.text and doc.styles["Title"].borderstyle == 3


# ---------------------------------------------------------------- rendered pixels

CLIP = (5.2, 9.2)  # the talk's second sentence and the pause after it


def frame_at(video: Path, at: float) -> np.ndarray:
    data = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(video), "-frames:v", "1"]
        + ["-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(data, np.uint8).reshape(SIZE[1], SIZE[0]).astype(float)


@pytest.fixture(scope="module")
async def styled(
    talk: Talk, transcript: TranscriptResult, media_dir: Path, media_settings: Settings
) -> dict[str, Path]:
    words = tuple(clip_words(transcript, *CLIP))
    assert len(words) >= 4
    out: dict[str, Path] = {}
    for name, style, title in (
        ("plain", None, None),
        ("karaoke", PRESETS["karaoke"], None),
        ("bold-pop", PRESETS["bold-pop"], None),
        ("top", replace(PRESETS["karaoke"], position="TOP"), None),
        ("titled", None, "A title"),
    ):
        dst = media_dir / f"styled_{name}.mp4"
        spec = ExportSpec(style=style, words=words, title=title, size=SIZE)
        await render_export(talk.video, *CLIP, spec, dst, settings=media_settings)
        out[name] = dst
    return out


def test_styles_render_differently(styled: dict[str, Path]) -> None:
    at = 1.2
    plain = frame_at(styled["plain"], at)
    karaoke, bold = frame_at(styled["karaoke"], at), frame_at(styled["bold-pop"], at)
    top = frame_at(styled["top"], at)
    assert np.abs(karaoke - plain).mean() > 0.5
    assert np.abs(bold - karaoke).mean() > 0.5  # a different look, not the same pixels
    rows = lambda a, b: np.abs(a - b).mean(axis=1)  # noqa: E731
    third = SIZE[1] // 3
    assert rows(karaoke, plain)[2 * third :].sum() > 5 * rows(karaoke, plain)[:third].sum()
    assert rows(top, plain)[:third].sum() > 5 * rows(top, plain)[2 * third :].sum()
    middle = rows(bold, plain)
    assert middle[third : 2 * third].sum() > 2 * middle[2 * third :].sum()


def test_title_shows_for_the_first_seconds_only(styled: dict[str, Path]) -> None:
    plain_early, titled_early = frame_at(styled["plain"], 1.0), frame_at(styled["titled"], 1.0)
    top = SIZE[1] // 4
    assert np.abs(titled_early[:top] - plain_early[:top]).mean() > 3.0
    late = np.abs(frame_at(styled["titled"], 3.6) - frame_at(styled["plain"], 3.6))
    assert late.mean() < 0.5
