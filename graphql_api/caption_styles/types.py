"""The CaptionStyle type: a built-in preset or one of the user's own styles."""

from __future__ import annotations

import strawberry

import graphql_api.enums  # noqa: F401  (registers the enums)
from graphql_api.common.relay import Node, to_global_id
from orm.models.enums import CaptionAnimation, CaptionPosition
from resolvers.caption_styles import TYPE_NAME, StyleEntry


@strawberry.type(name="CaptionStyle", description="How burned-in captions look.")
class CaptionStyleType(Node):
    name: str
    built_in: bool = strawberry.field(description="A preset everyone has (not editable).")
    font_family: str
    font_size: int = strawberry.field(description="Pixels on a 1080-pixel-wide frame.")
    text_color: str = strawberry.field(description='"#RRGGBB"')
    highlight_color: str = strawberry.field(description="The spoken word's colour.")
    outline_color: str
    bold: bool
    position: CaptionPosition
    animation: CaptionAnimation
    uppercase: bool
    max_words_per_line: int

    @classmethod
    def from_entry(cls, entry: StyleEntry) -> CaptionStyleType:
        s = entry.style
        return cls(
            id=to_global_id(TYPE_NAME, entry.raw_id),
            name=s.name,
            built_in=entry.built_in,
            font_family=s.font,
            font_size=s.size,
            text_color=s.text_color,
            highlight_color=s.highlight_color,
            outline_color=s.outline_color,
            bold=s.bold,
            position=CaptionPosition(s.position),
            animation=CaptionAnimation(s.animation),
            uppercase=s.uppercase,
            max_words_per_line=s.words_per_line,
        )
