"""Ready-to-post social captions per clip and platform (pure functions, no database)."""

from jobs.media.captions.local import LocalCaptionWriter, write_captions
from jobs.media.captions.platforms import PLATFORMS, fits
from jobs.media.captions.writer import CaptionWriter, pick_writer

__all__ = [
    "PLATFORMS",
    "CaptionWriter",
    "LocalCaptionWriter",
    "fits",
    "pick_writer",
    "write_captions",
]
