"""Caption style use cases: list the presets and the viewer's own styles, create one, and
resolve a style id for an export (someone else's style answers exactly like a missing one).

Built-in presets have the global id `CaptionStyle:<preset name>`; a user's style
`CaptionStyle:<uuid>`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from tortoise.exceptions import IntegrityError

from core.caption_styles import (
    CAPTION_FONTS,
    PRESETS,
    CaptionStyle,
    font_family,
    validate_style,
)
from core.config import get_settings
from core.errors import DomainError, DomainErrors, NotFound
from orm.models import CaptionStyle as StyleRow
from orm.models.enums import CaptionAnimation, CaptionPosition
from resolvers.ids import InvalidId, from_global_id
from resolvers.viewer import READ_CLIPS, WRITE_UPLOADS, Viewer, require

TYPE_NAME = "CaptionStyle"
INPUT_FIELDS = {  # CaptionStyle field -> CaptionStyleInput field (where errors point)
    "name": "name",
    "font": "fontFamily",
    "size": "fontSize",
    "text_color": "textColor",
    "highlight_color": "highlightColor",
    "outline_color": "outlineColor",
    "position": "position",
    "animation": "animation",
    "words_per_line": "maxWordsPerLine",
}


@dataclass(frozen=True)
class StyleEntry:
    """A style as clients see it: a preset (`raw_id` is its name) or the user's own."""

    raw_id: str
    built_in: bool
    style: CaptionStyle


def allowed_fonts() -> tuple[str, ...]:
    """Families a style may name: the worker image's, plus CLIPFORGE_CAPTION_FONTS."""
    extra = tuple(f for f in get_settings().caption_fonts if font_family(f, CAPTION_FONTS) is None)
    return CAPTION_FONTS + extra


def style_of(row: StyleRow) -> CaptionStyle:
    return CaptionStyle(
        name=row.name,
        font=row.font_family,
        size=row.font_size,
        text_color=row.text_color,
        highlight_color=row.highlight_color,
        outline_color=row.outline_color,
        position=CaptionPosition(row.position).value,
        animation=CaptionAnimation(row.animation).value,
        uppercase=row.uppercase,
        words_per_line=row.words_per_line,
        bold=row.bold,
    )


def presets() -> list[StyleEntry]:
    return [StyleEntry(name, True, style) for name, style in PRESETS.items()]


async def list_caption_styles(viewer: Viewer | None) -> list[StyleEntry]:
    """The built-in presets first, then the viewer's own styles, oldest first."""
    user_id = require(viewer, READ_CLIPS).user_id
    rows = await StyleRow.filter(user_id=user_id).order_by("created_at", "id")
    return presets() + [StyleEntry(str(r.id), False, style_of(r)) for r in rows]


async def find_style(user_id: uuid.UUID, style_gid: str, field: str = "id") -> StyleEntry:
    """A preset or one of the user's styles by global id; NOT_FOUND otherwise."""
    type_name, raw = from_global_id(style_gid, field)
    if type_name != TYPE_NAME:
        raise NotFound("caption style", field)
    if raw in PRESETS:
        return StyleEntry(raw, True, PRESETS[raw])
    try:
        pk = uuid.UUID(raw)
    except ValueError:
        raise InvalidId(field) from None
    row = await StyleRow.filter(id=pk, user_id=user_id).first()
    if row is None:
        raise NotFound("caption style", field)
    return StyleEntry(str(row.id), False, style_of(row))


async def get_caption_style(viewer: Viewer | None, style_gid: str) -> StyleEntry:
    user_id = require(viewer, READ_CLIPS).user_id
    return await find_style(user_id, style_gid)


def _problems(style: CaptionStyle) -> list[DomainError]:
    return [
        DomainError(p.code, p.message, INPUT_FIELDS.get(p.field, p.field))
        for p in validate_style(style, allowed_fonts())
    ]


async def create_caption_style(viewer: Viewer | None, style: CaptionStyle) -> StyleEntry:
    """Save the viewer's style after validating every field (all problems at once)."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    style = replace(
        style,
        name=style.name.strip(),
        text_color=style.text_color.upper(),
        highlight_color=style.highlight_color.upper(),
        outline_color=style.outline_color.upper(),
    )
    problems = _problems(style)
    if problems:
        raise DomainErrors(problems)
    font = font_family(style.font, allowed_fonts()) or style.font
    taken = DomainError(
        "STYLE_NAME_TAKEN", f"You already have a caption style named {style.name!r}.", "name"
    )
    if await StyleRow.filter(user_id=user_id, name=style.name).exists():
        raise taken
    try:
        row = await StyleRow.create(
            user_id=user_id,
            name=style.name,
            font_family=font,
            font_size=style.size,
            text_color=style.text_color,
            highlight_color=style.highlight_color,
            outline_color=style.outline_color,
            position=CaptionPosition(style.position),
            animation=CaptionAnimation(style.animation),
            uppercase=style.uppercase,
            words_per_line=style.words_per_line,
            bold=style.bold,
        )
    except IntegrityError:  # the same name created at the same moment
        raise taken from None
    return StyleEntry(str(row.id), False, style_of(row))


__all__ = [
    "StyleEntry",
    "allowed_fonts",
    "create_caption_style",
    "find_style",
    "get_caption_style",
    "list_caption_styles",
]
