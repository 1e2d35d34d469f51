"""What a creator asks of the clipper for one upload: clip lengths, how many, a prompt, a language.

Plain data shared by the api (which validates what a user sends, before anything is created)
and the worker (which reads the stored options). Nothing here imports media code: the
languages faster-whisper knows are copied below, and a test keeps the copy equal to
faster-whisper's own list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.config import Settings
from core.errors import DomainError, DomainErrors

MIN_SECONDS_FLOOR = 5.0
MAX_SECONDS_CEILING = 180.0
COUNT_MAX = 30
PROMPT_MAX_CHARS = 500
MAX_AUTO_CLIPS = 20
SECONDS_PER_AUTO_CLIP = 150.0  # without a count: about one clip per 2.5 minutes of video

# faster_whisper.tokenizer._LANGUAGE_CODES (faster-whisper 1.2): the codes its models accept.
_LANGUAGE_CODES = """
    af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw
    he hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my
    ne nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt
    uk ur uz vi yi yo yue zh
"""
WHISPER_LANGUAGES = frozenset(_LANGUAGE_CODES.split())

# The input's field names as clients spell them (GraphQL ClipOptionsInput).
FIELD_MIN = "minSeconds"
FIELD_MAX = "maxSeconds"
FIELD_COUNT = "count"
FIELD_PROMPT = "prompt"
FIELD_LANGUAGE = "language"


@dataclass(frozen=True)
class OptionProblem:
    """One thing wrong with the options, naming the input field it concerns."""

    code: str
    field: str
    message: str


class InvalidClipOptions(DomainErrors):
    """Raised with every problem found (a payload lists each); code, field and message are
    the first one's."""

    def __init__(self, problems: list[OptionProblem]) -> None:
        super().__init__([DomainError(p.code, p.message, p.field) for p in problems])
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ClipOptions:
    """Validated options with the defaults filled in.

    `count` None means "by the video's length" (about one clip per 2.5 minutes); `prompt`
    None means no steering; `language` None means detect it.
    """

    min_seconds: float
    max_seconds: float
    count: int | None = None
    prompt: str | None = None
    language: str | None = None

    @classmethod
    def defaults(cls, settings: Settings) -> ClipOptions:
        """The server-wide options (the operator's settings are trusted, not re-validated)."""
        lo = float(settings.clip_min_seconds)
        return cls(
            min_seconds=lo,
            max_seconds=max(lo, float(settings.clip_max_seconds)),
            count=settings.clip_count if settings.clip_count > 0 else None,
        )

    @classmethod
    def from_input(
        cls,
        settings: Settings,
        *,
        min_seconds: float | None = None,
        max_seconds: float | None = None,
        count: int | None = None,
        prompt: str | None = None,
        language: str | None = None,
        field_prefix: str = "",
    ) -> ClipOptions:
        """A user's options (None = not given) checked and completed from the settings.

        Raises InvalidClipOptions naming each bad field (prefixed with `field_prefix`, for
        example "options."), so the api can answer typed errors before creating anything.
        """
        base = cls.defaults(settings)
        problems: list[OptionProblem] = []

        def bad(code: str, name: str, message: str) -> None:
            problems.append(OptionProblem(code, field_prefix + name, message))

        lo = base.min_seconds if min_seconds is None else float(min_seconds)
        hi = base.max_seconds if max_seconds is None else float(max_seconds)
        length_ok = True
        for name, value, given in ((FIELD_MIN, lo, min_seconds), (FIELD_MAX, hi, max_seconds)):
            if given is not None and not (
                math.isfinite(value) and MIN_SECONDS_FLOOR <= value <= MAX_SECONDS_CEILING
            ):
                length_ok = False
                bad(
                    "INVALID_CLIP_LENGTH",
                    name,
                    f"{name} must be between {MIN_SECONDS_FLOOR:g} and "
                    f"{MAX_SECONDS_CEILING:g} seconds.",
                )
        if length_ok and lo >= hi:
            blamed = FIELD_MIN if min_seconds is not None else FIELD_MAX
            bad(
                "INVALID_CLIP_LENGTH",
                blamed,
                f"{FIELD_MIN} ({lo:g} s) must be less than {FIELD_MAX} ({hi:g} s).",
            )
        if count is not None and not 1 <= count <= COUNT_MAX:
            bad("INVALID_CLIP_COUNT", FIELD_COUNT, f"count must be between 1 and {COUNT_MAX}.")
        text = " ".join(prompt.split()) if prompt is not None else ""
        if len(text) > PROMPT_MAX_CHARS:
            bad(
                "PROMPT_TOO_LONG",
                FIELD_PROMPT,
                f"The prompt can be at most {PROMPT_MAX_CHARS} characters.",
            )
        code = normalise_language(language)
        if code is not None and code not in WHISPER_LANGUAGES:
            bad(
                "UNSUPPORTED_LANGUAGE",
                FIELD_LANGUAGE,
                f"{language!r} is not a language code the transcriber knows (e.g. en, de, es).",
            )
        if problems:
            raise InvalidClipOptions(problems)
        return cls(
            min_seconds=lo,
            max_seconds=hi,
            count=count if count is not None else base.count,
            prompt=text or None,
            language=code,
        )

    def count_for(self, duration: float | None) -> int | None:
        """How many clips the clipper makes: the count asked for, else one per ~2.5 minutes
        of the video (1 to 20); None while the video's length is unknown."""
        return by_length(self.count or 0, duration)

    def to_json(self) -> dict[str, Any]:
        """For the upload row and the job payload (arq's serializer is JSON)."""
        return {
            "minSeconds": self.min_seconds,
            "maxSeconds": self.max_seconds,
            "count": self.count,
            "prompt": self.prompt,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, settings: Settings) -> ClipOptions:
        """Stored options back; missing keys (older rows) take today's defaults."""
        base = cls.defaults(settings)
        data = data or {}
        lo = float(data.get("minSeconds") or base.min_seconds)
        hi = float(data.get("maxSeconds") or base.max_seconds)
        count = data.get("count")
        return cls(
            min_seconds=lo,
            max_seconds=max(lo, hi),
            count=int(count) if count else base.count,
            prompt=data.get("prompt") or None,
            language=normalise_language(data.get("language")),
        )


@dataclass(frozen=True)
class AskedOptions:
    """Options as a client sent them (None: not given), before they are checked."""

    min_seconds: float | None = None
    max_seconds: float | None = None
    count: int | None = None
    prompt: str | None = None
    language: str | None = None

    def validate(self, settings: Settings, field_prefix: str = "options.") -> ClipOptions:
        """ClipOptions with the defaults filled in, or InvalidClipOptions naming each bad
        field as `<field_prefix><name>` (the input's path, e.g. "options.minSeconds")."""
        return ClipOptions.from_input(
            settings,
            min_seconds=self.min_seconds,
            max_seconds=self.max_seconds,
            count=self.count,
            prompt=self.prompt,
            language=self.language,
            field_prefix=field_prefix,
        )


def by_length(count: int, duration: float | None) -> int | None:
    """`count` when set (> 0); otherwise one clip per ~2.5 minutes of `duration`, 1 to 20."""
    if count > 0:
        return count
    if duration is None:
        return None
    return max(1, min(MAX_AUTO_CLIPS, round(duration / SECONDS_PER_AUTO_CLIP)))


def normalise_language(language: str | None) -> str | None:
    """Lower-cased, trimmed code ("EN " -> "en"); empty or "auto" -> None (detect it)."""
    if language is None:
        return None
    code = language.strip().lower()
    return None if code in ("", "auto") else code
