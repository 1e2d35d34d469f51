"""Still frames for the README: each reframe mode and two caption styles, from the test media.

    python scripts/readme_frames.py [--out docs/exports]

A two-person dialogue of real faces (tests/media/faces_media.py: scikit-image's astronaut
and an LFW face, espeak-ng speech) is transcribed and exported with the same renderer as
exportClip, small (270x480), and one frame of each export is saved as a PNG with a reduced
palette (each well under 100 KB). Needs the test extras (scikit-image) and espeak-ng.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

LINES = [
    (0, "Hello there, welcome back to the show."),
    (1, "Thanks, it is really good to be here today."),
    (0, "So tell me what you have been working on."),
]
SIZE = (270, 480)
MAX_BYTES = 100_000
COLOURS = 96


def save_frame(video: Path, at: float, png: Path, scale: str | None = None) -> int:
    """One frame of the video at `at` seconds as a palette PNG; returns its size in bytes."""
    from PIL import Image

    raw = png.with_suffix(".raw.png")
    vf = ["-vf", scale] if scale else []
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", f"{at:.2f}", "-i", str(video), "-frames:v", "1"]
        + vf
        + [str(raw)],
        check=True,
    )
    with Image.open(raw) as img:
        img.convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT).save(
            png, optimize=True
        )
    raw.unlink()
    size = png.stat().st_size
    if size >= MAX_BYTES:
        raise SystemExit(f"{png.name} is {size} bytes; keep README images under {MAX_BYTES}")
    return size


async def main(out: Path) -> None:
    from core.caption_styles import PRESETS
    from core.config import Settings
    from jobs.media.audio import extract_audio
    from jobs.media.export.render import render_export
    from jobs.media.export.spec import ExportSpec
    from jobs.media.reframe.dlib_faces import default_detector
    from jobs.media.reframe.plan import Reframe
    from jobs.media.transcribe import transcribe
    from tests.media.faces_media import make_dialogue

    with tempfile.TemporaryDirectory(prefix="readme-frames-") as tmp:
        work = Path(tmp)
        settings = Settings(var_dir=work / "var")
        dialogue = await asyncio.to_thread(make_dialogue, work / "dialogue", LINES)
        wav = await extract_audio(dialogue.video, work / "audio.wav", settings=settings)
        words = tuple((await transcribe(wav, settings=settings)).words)
        start, end, _side = dialogue.turns[1]  # the right face speaks
        at = start + (end - start) * 0.6
        detector = await asyncio.to_thread(default_detector)
        print(f"source: {save_frame(dialogue.video, at, out / 'source.png', 'scale=480:-2')} B")
        shots: list[tuple[str, Reframe, str | None]] = [
            ("center", "CENTER", None),
            ("speaker", "SPEAKER", None),
            ("split", "SPLIT", None),
            ("style-karaoke", "SPEAKER", "karaoke"),
            ("style-bold-pop", "SPEAKER", "bold-pop"),
        ]
        for name, mode, style in shots:
            spec = ExportSpec(
                reframe=mode,
                style=PRESETS[style] if style else None,
                words=words,
                size=SIZE,
            )
            video = work / f"{name}.mp4"
            await render_export(
                dialogue.video,
                0.0,
                dialogue.duration,
                spec,
                video,
                detector=detector,
                settings=settings,
            )
            print(f"{name}: {save_frame(video, at, out / f'{name}.png')} B")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "exports")
    folder = parser.parse_args().out
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(folder))
