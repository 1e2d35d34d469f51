"""A picture for sound alone: clips of audio-only uploads (podcasts) become audiograms.

A clip needs a picture to be posted (and a thumbnail), and an MP3 has none: the clip is drawn
over a generated one instead, a square with the upload's title above the waveform of the
clip's own sound, moving with it. Thumbnails are then taken from that picture like any
other clip's. The title goes through a text file (drawtext `textfile`, no expansion), so
nothing in it is read as filter syntax.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from core.config import Settings
from core.ffmpeg_exec import run_configured

SIZE = 720  # square: the exports reframe it like any source
BACKGROUND = "0x101828"
WAVE_COLOUR = "0x7dd3fc"
TEXT_COLOUR = "white"
FONT = "DejaVu Sans"
FPS = 25
TITLE_WIDTH = 22  # characters per line
TITLE_LINES = 4


def title_text(title: str) -> str:
    """The title wrapped to the picture (at most TITLE_LINES lines, shortened with '…')."""
    clean = " ".join(title.split()) or "Untitled"
    lines = textwrap.wrap(clean, TITLE_WIDTH, break_long_words=True) or ["Untitled"]
    if len(lines) > TITLE_LINES:
        lines = [*lines[: TITLE_LINES - 1], lines[TITLE_LINES - 1][: TITLE_WIDTH - 1] + "…"]
    return "\n".join(lines)


def escape(value: str) -> str:
    """A value for a filter option in a filtergraph given as one argument: FFmpeg unescapes
    the option string (`\\ ' :` special) and then the graph (`\\ ' [ ] , ;`)."""
    level1 = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return "".join("\\" + ch if ch in "\\'[],;" else ch for ch in level1)


def picture_graph(textfile: Path) -> str:
    """Background, the waveform of input 0's sound below, the title above: output [v]."""
    wave_height = SIZE // 3
    text = (
        f"drawtext=textfile={escape(str(textfile))}:expansion=none:font={escape(FONT)}"
        f":fontcolor={TEXT_COLOUR}:fontsize=44:line_spacing=14"
        f":x=(w-text_w)/2:y=(h*0.55-text_h)/2"
    )
    return (
        f"color=c={BACKGROUND}:s={SIZE}x{SIZE}:r={FPS}[bg];"
        f"[0:a:0]aformat=channel_layouts=mono,"
        f"showwaves=s={SIZE}x{wave_height}:mode=cline:rate={FPS}:colors={WAVE_COLOUR}[wave];"
        f"[bg][wave]overlay=x=0:y={SIZE - wave_height - SIZE // 12}:shortest=1,{text},"
        "format=yuv420p[v]"
    )


async def cut_audiogram(
    src: str | Path,
    start: float,
    end: float,
    dst: Path,
    title: str,
    *,
    settings: Settings | None = None,
) -> None:
    """Encode [start, end) of src's sound over the generated picture into dst (H.264/AAC)."""
    textfile = dst.with_name(f".{dst.stem}.title.txt")
    textfile.write_text(title_text(title), "utf-8")
    argv = ["ffmpeg", "-y", "-ss", f"{start:.3f}", "-i", str(src), "-t", f"{end - start:.3f}"]
    argv += ["-filter_complex", picture_graph(textfile), "-map", "[v]", "-map", "0:a:0"]
    argv += ["-sn", "-dn", "-map_metadata", "-1", "-shortest"]
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-r", str(FPS)]
    argv += ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart"]
    argv += ["-f", "mp4", str(dst)]
    try:
        await run_configured(argv, settings)
    finally:
        textfile.unlink(missing_ok=True)


__all__ = ["cut_audiogram", "picture_graph", "title_text"]
