"""`clipforge process VIDEO`: the whole pipeline on one local file, no servers needed.

It runs the same stage steps as the worker (jobs.pipeline.steps): transcribe, pick and cut the
clips, subtitles, captions, and (when asked) a post-ready export of each clip rendered from
the video like exportClip does; and writes everything to a folder laid out like an upload's
storage, plus summary.json and a table on the terminal.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.clip_options import AskedOptions, ClipOptions, InvalidClipOptions
from core.config import Settings, get_settings
from jobs.errors import StageError
from jobs.pipeline import layout

console = Console()


class ReframeChoice(str, Enum):
    CENTER = "center"
    SPEAKER = "speaker"
    SPLIT = "split"


class AspectChoice(str, Enum):
    VERTICAL = "vertical"
    SQUARE = "square"
    LANDSCAPE = "landscape"


ASPECTS: dict[AspectChoice, Literal["VERTICAL_9_16", "SQUARE_1_1", "LANDSCAPE_16_9"]] = {
    AspectChoice.VERTICAL: "VERTICAL_9_16",
    AspectChoice.SQUARE: "SQUARE_1_1",
    AspectChoice.LANDSCAPE: "LANDSCAPE_16_9",
}
REFRAMES: dict[ReframeChoice, Literal["CENTER", "SPEAKER", "SPLIT"]] = {
    ReframeChoice.CENTER: "CENTER",
    ReframeChoice.SPEAKER: "SPEAKER",
    ReframeChoice.SPLIT: "SPLIT",
}


@dataclass(frozen=True)
class ExportOptions:
    """What each clip's export.mp4 looks like (the options of exportClip)."""

    aspect: Literal["VERTICAL_9_16", "SQUARE_1_1", "LANDSCAPE_16_9"] = "VERTICAL_9_16"
    reframe: Literal["CENTER", "SPEAKER", "SPLIT"] = "CENTER"
    style: str | None = "karaoke"  # a preset's name; None: no captions burned in
    remove_fillers: bool = False
    remove_silences: bool = False
    title_overlay: bool = False


@dataclass(frozen=True)
class Options:
    video: Path
    out: Path
    clip_options: ClipOptions
    export: ExportOptions | None = None


class Bars:
    """One progress bar per stage, fed by the stages' 0..1 progress callbacks."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def add(self, name: str) -> None:
        self.tasks[name] = self.progress.add_task(name, total=1.0, start=False)

    def start(self, name: str) -> None:
        self.progress.start_task(self.tasks[name])

    def update(self, name: str, fraction: float) -> None:
        self.progress.update(self.tasks[name], completed=max(0.0, min(1.0, fraction)))

    def callback(self, name: str) -> Any:
        return lambda fraction: self.update(name, fraction)


async def run(opts: Options, settings: Settings) -> dict[str, Any]:
    """All stages on opts.video; returns the summary that is also written as summary.json."""
    from jobs.pipeline import steps

    opts.out.mkdir(parents=True, exist_ok=True)
    work = opts.out
    progress = Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
    )
    bars = Bars(progress)
    stages = ["Transcribing", "Finding highlights", "Cutting clips", "Writing captions"]
    for name in stages + (["Rendering exports"] if opts.export else []):
        bars.add(name)
    with progress:
        bars.start("Transcribing")
        transcribed = await steps.transcribe_video(
            opts.video,
            work,
            settings,
            language=opts.clip_options.language,
            on_progress=bars.callback("Transcribing"),
        )
        bars.start("Finding highlights")
        picks = await steps.pick_clips(
            transcribed.transcript, transcribed.audio, settings, opts.clip_options
        )
        bars.update("Finding highlights", 1.0)
        bars.start("Cutting clips")
        shutil.rmtree(work / layout.CLIPS_DIR, ignore_errors=True)  # no clips of earlier runs
        clips = await steps.cut_clips(
            opts.video,
            transcribed.transcript,
            picks,
            work,
            settings,
            fps=transcribed.media.fps,
            on_progress=bars.callback("Cutting clips"),
            title=opts.video.stem,  # on audio-only clips' picture
        )
        bars.start("Writing captions")
        captions = await steps.write_captions(
            [(c.title, c.text) for c in clips],
            settings,
            on_progress=bars.callback("Writing captions"),
        )
        exports: list[dict[str, Any]] = []
        if opts.export is not None:
            bars.start("Rendering exports")
            for i, c in enumerate(clips):
                exports.append(
                    await _export(opts, opts.export, transcribed.transcript, c, settings)
                )
                bars.update("Rendering exports", (i + 1) / len(clips))
    summary = _summary(opts, transcribed, clips, captions, exports)
    for clip, caps in zip(clips, captions, strict=True):
        caption_file = work / layout.clip_file(clip.rank, layout.CLIP_CAPTIONS)
        caption_file.write_text(json.dumps(steps.captions_json(caps), indent=2, ensure_ascii=False))
    (work / layout.AUDIO_FEATURES).unlink(missing_ok=True)  # internal to the worker
    (work / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


async def _export(
    opts: Options, how: ExportOptions, transcript: Any, clip: Any, settings: Settings
) -> dict[str, Any]:
    """Render one clip's export.mp4 from the video, as the export job does."""
    from core.caption_styles import PRESETS
    from jobs.pipeline import steps

    spec = steps.export_spec(
        transcript,
        clip.start,
        clip.end,
        aspect=how.aspect,
        reframe=how.reframe,
        style=PRESETS[how.style] if how.style else None,
        remove_fillers=how.remove_fillers,
        remove_silences=how.remove_silences,
        title=clip.title if how.title_overlay else None,
    )
    relative = layout.clip_file(clip.rank, layout.CLIP_EXPORT)
    result = await steps.render_export_of(
        opts.video, clip.start, clip.end, spec, opts.out / relative, settings
    )
    return {
        "file": relative,
        "duration_seconds": round(result.duration, 3),
        "width": result.width,
        "height": result.height,
        "reframe": result.reframe,
        "message": result.message,
    }


def _summary(
    opts: Options,
    transcribed: Any,
    clips: list[Any],
    captions: list[Any],
    exports: list[dict[str, Any]],
) -> dict:
    from jobs.pipeline import steps

    t = transcribed.transcript
    return {
        "video": str(opts.video),
        "duration_seconds": round(transcribed.media.duration, 3),
        "language": t.language,
        "words": len(t.words),
        "options": opts.clip_options.to_json(),
        "transcript": {
            "json": layout.TRANSCRIPT_JSON,
            "srt": layout.TRANSCRIPT_SRT,
            "vtt": layout.TRANSCRIPT_VTT,
        },
        "clips": [
            {
                "rank": c.rank,
                "start_seconds": c.start,
                "end_seconds": c.end,
                "duration_seconds": c.duration,
                "score": c.score,
                "title": c.title,
                "reason": c.reason,
                "score_breakdown": {p.name: p.score for p in c.breakdown},
                "text": c.text,
                "files": {
                    name: layout.clip_file(c.rank, name)
                    for name in (
                        layout.CLIP_VIDEO,
                        layout.CLIP_THUMBNAIL,
                        layout.CLIP_SRT,
                        layout.CLIP_VTT,
                        layout.CLIP_ASS,
                        layout.CLIP_CAPTIONS,
                    )
                },
                "captions": steps.captions_json(caps),
                **({"export": exports[i]} if exports else {}),
            }
            for i, (c, caps) in enumerate(zip(clips, captions, strict=True))
        ],
    }


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}"


def print_table(summary: dict[str, Any], out: Path) -> None:
    table = Table(title=f"{len(summary['clips'])} clips from {Path(summary['video']).name}")
    table.add_column("#", justify="right")
    table.add_column("from - to")
    table.add_column("length", justify="right")
    table.add_column("score", justify="right")
    table.add_column("title")
    table.add_column("why")
    for c in summary["clips"]:
        table.add_row(
            str(c["rank"]),
            f"{_clock(c['start_seconds'])} - {_clock(c['end_seconds'])}",
            f"{c['duration_seconds']:.1f} s",
            f"{c['score']:.0f}",
            c["title"],
            c["reason"],
        )
    console.print(table)
    for c in summary["clips"]:
        if c.get("export", {}).get("message"):
            console.print(f"Export {c['rank']}: {c['export']['message']}")
    exported = any("export" in c for c in summary["clips"])
    what = "Clips, exports," if exported else "Clips,"
    console.print(f"{what} thumbnails, subtitles and captions: {out}/clips/<rank>/")
    console.print(f"Summary: {out / 'summary.json'}")


# The option each ClipOptionsInput field comes from, for messages about bad values.
FLAGS = {"minSeconds": "--min", "maxSeconds": "--max", "count": "--count"}
FLAGS.update(prompt="--prompt", language="--language")


def _export_options(
    reframe: ReframeChoice | None,
    style: str | None,
    aspect: AspectChoice | None,
    remove_fillers: bool,
    remove_silences: bool,
    title_overlay: bool,
    no_captions: bool,
) -> ExportOptions | None:
    """The export asked for on the command line; None when no export option was given."""
    from core.caption_styles import DEFAULT_PRESET, PRESETS

    asked = (reframe, style, aspect)
    if all(v is None for v in asked) and not (
        remove_fillers or remove_silences or title_overlay or no_captions
    ):
        return None
    if style is not None and style not in PRESETS:
        raise typer.BadParameter(f"choose one of: {', '.join(PRESETS)}", param_hint="--style")
    if style is not None and no_captions:
        raise typer.BadParameter("--style and --no-captions contradict", param_hint="--style")
    shape = ASPECTS[aspect or AspectChoice.VERTICAL]
    mode = REFRAMES[reframe or ReframeChoice.CENTER]
    if mode == "SPLIT" and shape != "VERTICAL_9_16":
        raise typer.BadParameter(
            "split stacks two speakers in a vertical frame", param_hint="--reframe"
        )
    return ExportOptions(
        aspect=shape,
        reframe=mode,
        style=None if no_captions else (style or DEFAULT_PRESET),
        remove_fillers=remove_fillers,
        remove_silences=remove_silences,
        title_overlay=title_overlay,
    )


def process(
    video: Path = typer.Argument(..., help="The video to cut into clips."),
    out: Path = typer.Option(None, "--out", "-o", help="Output folder (default: ./<name>-clips)."),
    count: int = typer.Option(
        None, "--count", "--clips", "-n", help="How many clips, 1 to 30 (default: by length)."
    ),
    min_seconds: float = typer.Option(None, "--min", help="Shortest clip in seconds (5 to 180)."),
    max_seconds: float = typer.Option(None, "--max", help="Longest clip in seconds (5 to 180)."),
    prompt: str = typer.Option(
        None, help='What the clips should be about, e.g. "the moments about pricing".'
    ),
    language: str = typer.Option(None, help="Spoken language code (default: detected)."),
    model: str = typer.Option(None, help="Whisper model: tiny.en, base, or a model folder."),
    reframe: ReframeChoice = typer.Option(
        None, help="Export each clip, framed: center, speaker (follows who speaks) or split."
    ),
    style: str = typer.Option(
        None, help="Export each clip with captions in this preset (default karaoke)."
    ),
    aspect: AspectChoice = typer.Option(None, help="Export each clip in this shape (vertical)."),
    remove_fillers: bool = typer.Option(
        False, "--remove-fillers", help='Export each clip with "um", "uh" and the like cut.'
    ),
    remove_silences: bool = typer.Option(
        False, "--remove-silences", help="Export each clip with pauses over 0.5 s shortened."
    ),
    title_overlay: bool = typer.Option(
        False, "--title-overlay", help="Export each clip with its title over the first seconds."
    ),
    no_captions: bool = typer.Option(
        False, "--no-captions", help="Export without burned-in captions."
    ),
) -> None:
    """Turn one video into clips locally: no database, queue or storage server needed.

    Any export option writes clips/<rank>/export.mp4: rendered from the video itself in one
    encode, as the API's exportClip does."""
    from core.config import _overrides as current
    from core.config import configure

    if not video.is_file():
        console.print(f"[red]No such file:[/red] {video}")
        raise typer.Exit(2)
    export = _export_options(
        reframe, style, aspect, remove_fillers, remove_silences, title_overlay, no_captions
    )
    if model:
        configure(**{**current, "whisper_model": model})
    asked = AskedOptions(min_seconds, max_seconds, count, prompt, language)
    try:
        clip_options = asked.validate(get_settings(), field_prefix="")
    except InvalidClipOptions as exc:
        problem = exc.problems[0]
        raise typer.BadParameter(problem.message, param_hint=FLAGS[problem.field]) from None
    opts = Options(
        video=video.resolve(),
        out=(out or Path(f"{video.stem}-clips")).resolve(),
        clip_options=clip_options,
        export=export,
    )
    try:
        summary = asyncio.run(run(opts, get_settings()))
    except StageError as exc:
        console.print(f"[red]{exc.user_message}[/red] ({exc})")
        raise typer.Exit(1) from None
    print_table(summary, opts.out)
