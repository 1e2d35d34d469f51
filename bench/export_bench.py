"""Export cost per second of clip for each reframe mode, and the face detectors compared.

    python -m bench.export_bench [--quick] [--json-out FILE]

Section 1 (detectors): dlib's HOG (upsample 0 and 1) and CNN detectors on scikit-image's
astronaut photo and the 100 LFW faces of `lfw_subset()` scaled up, for speed and recall,
and the 68-point landmarks' cost. Section 2 (exports): a two-person dialogue (real faces,
espeak-ng speech, tests/media/faces_media.py) upscaled to 1280x720, exported to 1080x1920
from the source in one FFmpeg run with CENTER, SPEAKER and SPLIT; seconds of work per
second of clip, the face analysis's share, and the SPEAKER / CENTER ratio. Needs no
database; prints its figures (and writes them as JSON when asked).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

LINES = [
    (0, "Hello there, welcome back to the show."),
    (1, "Thanks, it is really good to be here today."),
    (0, "So tell me what you have been working on lately."),
    (1, "Mostly short videos, and a few longer talks about editing."),
    (0, "What is the one thing every new creator gets wrong?"),
    (1, "They wait too long before the first interesting sentence."),
]


def _timed(fn: Any, *args: Any, repeat: int = 3) -> tuple[Any, float]:
    fn(*args)
    t0 = time.perf_counter()
    for _ in range(repeat):
        out = fn(*args)
    return out, (time.perf_counter() - t0) / repeat * 1000


def detectors(quick: bool) -> dict[str, Any]:
    """Speed (ms) and recall of each detector on real faces shipped by scikit-image."""
    import dlib
    from skimage import data
    from skimage.transform import resize

    from jobs.media.reframe.dlib_faces import CNN_DETECTOR, LANDMARKS_68, model_file

    astro = np.ascontiguousarray(data.astronaut().mean(axis=2).astype(np.uint8))
    faces = data.lfw_subset()[: 20 if quick else 100]
    hog = dlib.get_frontal_face_detector()
    cnn_path = model_file(CNN_DETECTOR)
    found: dict[str, Any] = {
        "hog0": lambda im: list(hog(im, 0)),
        "hog1": lambda im: list(hog(im, 1)),
    }
    if cnn_path is not None and not quick:  # about a second a face: the full run only
        cnn = dlib.cnn_face_detection_model_v1(str(cnn_path))
        found["cnn0"] = lambda im: [d.rect for d in cnn(im, 0)]
    out: dict[str, Any] = {}
    for name, det in found.items():
        hits, ms = _timed(det, astro, repeat=1 if name.startswith("cnn") else 3)
        row: dict[str, Any] = {"astronaut_512_ms": round(ms, 1), "astronaut_found": len(hits)}
        for size in (100, 200):
            n_hit, total = 0, 0.0
            for face in faces:
                img = (resize(face, (size, size)) * 255).astype(np.uint8)
                canvas = np.full((2 * size, 2 * size), 128, np.uint8)
                canvas[size // 2 : size // 2 + size, size // 2 : size // 2 + size] = img
                t0 = time.perf_counter()
                n_hit += bool(det(canvas))
                total += time.perf_counter() - t0
            row[f"lfw_{size}px_recall"] = f"{n_hit}/{len(faces)}"
            row[f"lfw_{size}px_ms"] = round(total / len(faces) * 1000, 1)
        out[name] = row
    lm = model_file(LANDMARKS_68)
    if lm is not None:
        shape = dlib.shape_predictor(str(lm))
        rect = hog(astro, 0)[0]
        _, ms = _timed(shape, astro, rect, repeat=20)
        out["landmarks68_ms"] = round(ms, 2)
    return out


def _source(work: Path, quick: bool) -> tuple[Path, float]:
    from tests.media.faces_media import make_dialogue

    lines = LINES[:2] if quick else LINES
    d = make_dialogue(work / "dialogue", lines)
    if quick:
        return d.video, d.duration
    big = work / "dialogue720.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(d.video), "-vf", "scale=1280:720"]
        + ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-c:a", "copy", str(big)],
        check=True,
    )
    return big, d.duration


async def exports(quick: bool) -> dict[str, Any]:
    from core.config import Settings
    from jobs.media.export.render import render_export
    from jobs.media.export.spec import ExportSpec
    from jobs.media.reframe.analysis import analyse_faces
    from jobs.media.reframe.dlib_faces import default_detector
    from jobs.media.reframe.plan import Reframe

    size = (360, 640) if quick else (1080, 1920)
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        work = Path(tmp)
        src, duration = await asyncio.to_thread(_source, work, quick)
        settings = Settings(var_dir=work / "var", ffmpeg_timeout_seconds=900)
        detector = await asyncio.to_thread(default_detector)
        out: dict[str, Any] = {
            "clip_seconds": round(duration, 2),
            "source": "1280x720" if not quick else "640x360",
            "export": f"{size[0]}x{size[1]}",
            "modes": {},
        }
        warm = ExportSpec(reframe="SPEAKER", size=size)  # first run pays page cache, imports
        await render_export(
            src,
            0.0,
            min(duration, 2.0),
            warm,
            work / "warm.mp4",
            detector=detector,
            settings=settings,
        )
        modes: tuple[Reframe, ...] = ("CENTER", "SPEAKER", "SPLIT")
        for mode in modes:
            spec = ExportSpec(reframe=mode, size=size)
            t0 = time.perf_counter()
            result = await render_export(
                src,
                0.0,
                duration,
                spec,
                work / f"{mode}.mp4",
                detector=detector,
                settings=settings,
            )
            wall = time.perf_counter() - t0
            out["modes"][mode] = {
                "seconds": round(wall, 2),
                "per_clip_second": round(wall / duration, 3),
                "reframe_used": result.reframe,
                "phases": result.timings,
            }
        t0 = time.perf_counter()
        await analyse_faces(src, 0.0, duration, detector, settings=settings)
        analysis = time.perf_counter() - t0
        m = out["modes"]
        out["analysis_seconds"] = round(analysis, 2)
        out["analysis_per_clip_second"] = round(analysis / duration, 3)
        out["speaker_over_center"] = round(m["SPEAKER"]["seconds"] / m["CENTER"]["seconds"], 2)
        out["split_over_center"] = round(m["SPLIT"]["seconds"] / m["CENTER"]["seconds"], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--json-out", help="also write the figures here")
    args = parser.parse_args(argv)
    results = {
        "cores": os.cpu_count(),
        "detectors": detectors(args.quick),
        "exports": asyncio.run(exports(args.quick)),
    }
    print(json.dumps(results, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
