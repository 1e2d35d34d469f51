"""Caption style fields: list the presets and your own styles; create one."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401
from core.caption_styles import CaptionStyle
from graphql_api.caption_styles.types import CaptionStyleType
from graphql_api.common.errors import UserError
from graphql_api.context import Info
from orm.models.enums import CaptionAnimation, CaptionPosition
from resolvers import caption_styles as cases

DEFAULT = CaptionStyle(name="")


@strawberry.input(
    description="Unset fields take the default look (DejaVu Sans, 72 px, white with a yellow "
    "spoken word, black outline, BOTTOM, KARAOKE, 4 words a line)."
)
class CaptionStyleInput:
    name: str
    font_family: str | None = strawberry.field(
        default=None, description="An installed family: DejaVu Sans, DejaVu Sans Mono, ..."
    )
    font_size: int | None = strawberry.field(
        default=None, description="16 to 200 pixels on a 1080-pixel-wide frame."
    )
    text_color: str | None = strawberry.field(default=None, description='"#RRGGBB"')
    highlight_color: str | None = None
    outline_color: str | None = None
    position: CaptionPosition | None = None
    animation: CaptionAnimation | None = None
    uppercase: bool | None = None
    max_words_per_line: int | None = strawberry.field(default=None, description="1 to 12.")
    bold: bool | None = None

    def to_style(self) -> CaptionStyle:
        """The style asked for, unset fields from the default look."""
        d = DEFAULT
        return CaptionStyle(
            name=self.name,
            font=d.font if self.font_family is None else self.font_family,
            size=d.size if self.font_size is None else self.font_size,
            text_color=d.text_color if self.text_color is None else self.text_color,
            highlight_color=d.highlight_color
            if self.highlight_color is None
            else self.highlight_color,
            outline_color=d.outline_color if self.outline_color is None else self.outline_color,
            position=d.position if self.position is None else self.position.value,
            animation=d.animation if self.animation is None else self.animation.value,
            uppercase=d.uppercase if self.uppercase is None else self.uppercase,
            words_per_line=d.words_per_line
            if self.max_words_per_line is None
            else self.max_words_per_line,
            bold=d.bold if self.bold is None else self.bold,
        )


@strawberry.type
class CreateCaptionStylePayload:
    style: CaptionStyleType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field(description="Built-in presets first, then your own styles.")
    async def caption_styles(self, info: Info) -> list[CaptionStyleType]:
        entries = await cases.list_caption_styles(info.context.viewer)
        return [CaptionStyleType.from_entry(e) for e in entries]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Saves a caption style of your own; every invalid field is reported."
    )
    async def create_caption_style(
        self, info: Info, input: CaptionStyleInput
    ) -> CreateCaptionStylePayload:
        entry = await cases.create_caption_style(info.context.viewer, input.to_style())
        return CreateCaptionStylePayload(style=CaptionStyleType.from_entry(entry))
