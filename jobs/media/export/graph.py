"""The export's filtergraph: crop path(s), cuts, scale, captions; and the audio with a
short crossfade at every cut."""

from __future__ import annotations

from jobs.media.cleanup import EditList
from jobs.media.export.expression import crop_filter
from jobs.media.export.frame import Fill, blur_fill, escape_filter_value
from jobs.media.reframe.plan import ReframePlan

CROSSFADE_S = 0.03  # long enough that a cut makes no click, short enough to hear nothing
FONTS_DIR = "/usr/share/fonts"


def _num(v: float) -> str:
    return f"{v:.4f}"


def select_expr(edits: EditList, fps: float) -> str:
    """Frames inside the kept spans (half a frame of tolerance on each edge)."""
    half = 0.5 / fps
    terms = [f"gte(t,{_num(s.start - half)})*lt(t,{_num(s.end - half)})" for s in edits.keep]
    return "+".join(terms)


def setpts_expr(edits: EditList) -> str:
    """Each kept frame moves back by the time cut before it."""
    removed = []
    pos = 0.0
    for s in edits.keep:
        gap = s.start - pos
        if gap > 1e-6:
            removed.append(f"gte(T,{_num(s.start - 0.5e-3)})*{_num(gap)}")
        pos = s.end
    offset = "+".join(removed) or "0"
    return f"PTS-STARTPTS-({offset})/TB"


def video_graph(
    plan: ReframePlan,
    width: int,
    height: int,
    *,
    edits: EditList | None,
    fps: float,
    ass_path: str | None,
    fill: Fill = "crop",
) -> str:
    """[0:v:0] -> [v]: reframed, cut, scaled to width x height, captions burned in. A
    CENTER plan with the blur fill shows the whole picture over a blurred copy instead."""
    chains: list[str] = []
    if plan.mode == "CENTER" and fill == "blur":
        chains.append(blur_fill("0:v:0", width, height, "framed"))
    elif len(plan.windows) == 1:
        chains.append(f"[0:v:0]{crop_filter(plan.windows[0])},scale={width}:{height}[framed]")
    else:
        n = len(plan.windows)
        panel_h = height // n // 2 * 2
        labels = "".join(f"[p{i}]" for i in range(n))
        chains.append(f"[0:v:0]split={n}{labels}")
        for i, window in enumerate(plan.windows):
            chains.append(f"[p{i}]{crop_filter(window)},scale={width}:{panel_h}[q{i}]")
        stacked = "".join(f"[q{i}]" for i in range(n))
        chains.append(f"{stacked}vstack=inputs={n},scale={width}:{height}[framed]")
    tail = "[framed]setsar=1"
    if edits is not None and not edits.is_identity:
        tail += f",select='{select_expr(edits, fps)}',setpts='{setpts_expr(edits)}'"
    if ass_path is not None:
        tail += (
            f",ass=filename={escape_filter_value(ass_path)}"
            f":fontsdir={escape_filter_value(FONTS_DIR)}"
        )
    chains.append(tail + ",format=yuv420p[v]")
    return ";\n".join(chains)


def audio_graph(edits: EditList, duration: float) -> str:
    """[0:a:0] -> [a]: the kept spans joined with a crossfade; each span but the last takes
    CROSSFADE_S more (from the silence being cut), which the crossfade overlaps away."""
    spans = edits.keep
    n = len(spans)
    if n <= 1:
        return "[0:a:0]asetpts=PTS-STARTPTS[a]"
    labels = "".join(f"[s{i}]" for i in range(n))
    chains = [f"[0:a:0]asplit={n}{labels}"]
    for i, s in enumerate(spans):
        end = min(duration, s.end + (CROSSFADE_S if i + 1 < n else 0.0))
        chains.append(f"[s{i}]atrim={_num(s.start)}:{_num(end)},asetpts=PTS-STARTPTS[t{i}]")
    prev = "t0"
    for i in range(1, n):
        out = "a" if i == n - 1 else f"x{i}"
        chains.append(f"[{prev}][t{i}]acrossfade=d={CROSSFADE_S}:c1=tri:c2=tri[{out}]")
        prev = out
    return ";\n".join(chains)


__all__ = ["CROSSFADE_S", "audio_graph", "select_expr", "setpts_expr", "video_graph"]
