"""Transcript fields that change it: correcting what was misheard."""

from __future__ import annotations

import strawberry

from graphql_api.common.errors import UserError
from graphql_api.context import Info
from graphql_api.uploads.types import UploadType
from resolvers import corrections as cases


@strawberry.input
class TranscriptCorrectionInput:
    start_seconds: float
    end_seconds: float
    text: str = strawberry.field(
        description="What is said between start and end (up to 1,000 characters; "
        "empty removes the words)."
    )


@strawberry.input
class CorrectTranscriptInput:
    upload_id: strawberry.ID
    corrections: list[TranscriptCorrectionInput] = strawberry.field(
        description="1 to 50 spans that do not overlap."
    )


@strawberry.type
class CorrectTranscriptPayload:
    upload: UploadType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Replaces the words spoken in each span with the text (timed within the "
        "span). The transcript reads corrected at once; its files and the subtitles and "
        "captions of every clip overlapping a span are rewritten in the background (TRANSCRIBE "
        "events). Clip edges never move."
    )
    async def correct_transcript(
        self, info: Info, input: CorrectTranscriptInput
    ) -> CorrectTranscriptPayload:
        upload = await cases.correct_transcript(
            info.context.viewer,
            input.upload_id,
            [cases.Correction(c.start_seconds, c.end_seconds, c.text) for c in input.corrections],
        )
        return CorrectTranscriptPayload(upload=UploadType.from_model(upload))
