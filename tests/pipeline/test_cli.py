"""`clipforge process` on a generated video, in a fresh process, with no servers at all."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.probe import probe
from tests.pipeline.conftest import Talk

ROOT = Path(__file__).resolve().parents[2]


async def test_process_writes_clips_captions_and_summary(talk: Talk, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {
        **os.environ,
        "CLIPFORGE_VAR_DIR": str(tmp_path / "var"),
        # Unreachable on purpose: the local run must not need a database, Redis or storage.
        "CLIPFORGE_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "CLIPFORGE_REDIS_URL": "redis://127.0.0.1:1/0",
        "COLUMNS": "160",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "cli.main", "process", str(talk.video), "--out", str(out)]
        + ["--min", "5", "--max", "10", "--count", "2", "--prompt", "consistency"]
        + ["--language", "en"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["language"] == "en" and summary["words"] > 20
    assert [c["rank"] for c in summary["clips"]] == [1, 2]
    assert summary["options"] == {
        "minSeconds": 5.0,
        "maxSeconds": 10.0,
        "count": 2,
        "prompt": "consistency",
        "language": "en",
    }
    # the prompt steers: the clip saying it comes first, and says why
    assert "consistency" in summary["clips"][0]["text"].lower()
    assert summary["clips"][0]["reason"].startswith("About consistency")
    for clip in summary["clips"]:
        assert "relevance" in clip["score_breakdown"]
        assert 3 <= clip["end_seconds"] - clip["start_seconds"] <= 10
        assert clip["title"] in done.stdout.replace("\n", " ") or clip["title"][:20] in done.stdout
        files = {name: out / rel for name, rel in clip["files"].items()}
        assert all(p.is_file() and p.stat().st_size > 0 for p in files.values()), files
        info = await probe(files["clip.mp4"])
        assert abs((info.video_duration or 0) - clip["duration_seconds"]) < 0.001
        captions = json.loads(files["captions.json"].read_text())
        assert set(captions) == {"TIKTOK", "INSTAGRAM", "YOUTUBE_SHORTS", "LINKEDIN", "X"}
        assert captions == clip["captions"]
    for name in ("transcript.json", "transcript.srt", "transcript.vtt"):
        assert (out / name).is_file()
    assert "summary.json" in done.stdout


def test_process_refuses_bad_input(tmp_path: Path) -> None:
    missing = subprocess.run(
        [sys.executable, "-m", "cli.main", "process", str(tmp_path / "nope.mp4")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "No such file" in missing.stdout
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("just some text")
    bad = subprocess.run(
        [sys.executable, "-m", "cli.main", "process", str(not_video), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env={**os.environ, "CLIPFORGE_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "could not be processed" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    for flags, named in (
        (["--min", "2"], "--min"),
        (["--min", "30", "--max", "20"], "--min"),
        (["--count", "31"], "--count"),
        (["--language", "klingon"], "--language"),
        (["--prompt", "x" * 501], "--prompt"),
    ):
        refused = subprocess.run(
            [sys.executable, "-m", "cli.main", "process", str(not_video), *flags],
            cwd=ROOT,
            env={**os.environ, "CLIPFORGE_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200"},
            capture_output=True,
            text=True,
        )
        assert refused.returncode == 2 and named in refused.stderr, (flags, refused.stderr)


async def test_process_writes_an_export_next_to_each_clip(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """--reframe split --style ... --remove-fillers --remove-silences on two real faces: the
    export is stacked, styled and shorter than its clip by what the cleanups cut."""
    from tests.media.faces_media import make_dialogue
    from tests.pipeline.test_exports import LINES

    dialogue = make_dialogue(tmp_path_factory.mktemp("cli-dialogue"), LINES)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "cli.main", "process", str(dialogue.video), "--out", str(out)]
    argv += ["--min", "7", "--max", "20", "--clips", "1", "--reframe", "split"]
    argv += ["--style", "one-word", "--remove-fillers", "--remove-silences", "--title-overlay"]
    env = {**os.environ, "CLIPFORGE_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "160"}
    done = await asyncio.to_thread(
        subprocess.run, argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr + done.stdout
    summary = json.loads((out / "summary.json").read_text())
    (clip,) = summary["clips"]
    export = clip["export"]
    assert export["file"] == "clips/1/export.mp4" and export["reframe"] == "SPLIT"
    assert (export["width"], export["height"], export["message"]) == (1080, 1920, "")
    info = await probe(out / export["file"])
    assert (info.width, info.height) == (1080, 1920)
    assert abs((info.video_duration or 0) - export["duration_seconds"]) < 0.05
    assert export["duration_seconds"] < clip["duration_seconds"] - 0.5  # the long pause went
    assert "exports" in done.stdout.replace("\n", " ")


@pytest.mark.parametrize(
    "options,complaint",
    [
        (["--reframe", "split", "--aspect", "square"], "vertical"),
        (["--style", "comic"], "karaoke"),
        (["--style", "karaoke", "--no-captions"], "contradict"),
    ],
)
def test_process_refuses_export_options_that_cannot_work(
    short_talk: Path, tmp_path: Path, options: list[str], complaint: str
) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "cli.main", "process", str(short_talk), *options],
        cwd=ROOT,
        env={**os.environ, "CLIPFORGE_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and complaint in bad.stderr + bad.stdout
    assert not list(tmp_path.glob("*-clips"))  # refused before any work
