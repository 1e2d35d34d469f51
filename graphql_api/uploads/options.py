"""What a creator asks of the clipper, as clients send it (ClipOptionsInput) and read it back
(Upload.options). Shared by every mutation that makes or reclips an upload; the use cases
check the values (core.clip_options), this module only carries them."""

from __future__ import annotations

import strawberry

from core.clip_options import AskedOptions, ClipOptions
from core.config import get_settings


@strawberry.input(
    description="Unset fields take the defaults. minSeconds and maxSeconds: 5 to 180, "
    "min < max; count: 1 to 30 (unset: about one clip per 2.5 minutes); prompt: what the "
    "clips should be about, up to 500 characters; language: an ISO 639-1 code the "
    "transcriber knows, or null to detect it."
)
class ClipOptionsInput:
    min_seconds: float | None = None
    max_seconds: float | None = None
    count: int | None = None
    prompt: str | None = None
    language: str | None = None

    def asked(self) -> AskedOptions:
        return AskedOptions(
            min_seconds=self.min_seconds,
            max_seconds=self.max_seconds,
            count=self.count,
            prompt=self.prompt,
            language=self.language,
        )


def asked(options: ClipOptionsInput | None) -> AskedOptions | None:
    """The input's values for a use case (None when the client sent no options)."""
    return options.asked() if options is not None else None


@strawberry.type(name="ClipOptions", description="The upload's clip options, defaults filled in.")
class ClipOptionsType:
    min_seconds: float
    max_seconds: float
    count: int | None = strawberry.field(
        description="Clips to find; by the video's length when not asked for (null until "
        "the length is known)."
    )
    prompt: str | None
    language: str | None = strawberry.field(description="null: detected from the speech.")

    @classmethod
    def from_stored(
        cls, stored: dict[str, object] | None, duration: float | None
    ) -> ClipOptionsType:
        options = ClipOptions.from_json(stored, get_settings())
        return cls(
            min_seconds=options.min_seconds,
            max_seconds=options.max_seconds,
            count=options.count_for(duration),
            prompt=options.prompt,
            language=options.language,
        )
