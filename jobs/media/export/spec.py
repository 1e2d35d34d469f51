"""What an export asks for and what it produced (plain data the job layer fills in)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.caption_styles import CaptionStyle
from jobs.media.cleanup import EditList
from jobs.media.export.frame import SIZES, Aspect, Fill
from jobs.media.reframe.plan import Reframe, ReframePlan
from jobs.media.types import Word


@dataclass(frozen=True)
class ExportSpec:
    """An export of one clip. `words` are the clip's words in clip time (0 = clip start);
    `style` None burns no captions. `fill` "blur" shows a CENTER frame whole over a blurred
    copy. `size` overrides the aspect's size (previews, tests)."""

    aspect: Aspect = "VERTICAL_9_16"
    reframe: Reframe = "CENTER"
    fill: Fill = "crop"
    style: CaptionStyle | None = None
    words: tuple[Word, ...] = ()
    remove_fillers: bool = False
    remove_silences: bool = False
    title: str | None = None
    size: tuple[int, int] | None = None
    preset: str = "veryfast"
    crf: int = 21

    @property
    def frame_size(self) -> tuple[int, int]:
        return self.size or SIZES[self.aspect]


@dataclass(frozen=True)
class RenderResult:
    """The export file's duration and size, a message for the user ("" when everything was
    done as asked), the plans it was rendered from, and where the time went."""

    duration: float
    width: int
    height: int
    message: str
    reframe: Reframe
    plan: ReframePlan
    edits: EditList
    timings: dict[str, float] = field(
        default_factory=dict
    )  # seconds: analysis (loudness and faces, overlapped), render


__all__ = ["ExportSpec", "RenderResult"]
