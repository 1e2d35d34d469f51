"""The caption writer interface and the choice between the LLM and the built-in writer."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.config import Settings
from jobs.media.types import PlatformCaption


@runtime_checkable
class CaptionWriter(Protocol):
    """Captions for every platform from a clip's title and spoken text."""

    async def write(self, title: str, transcript: str) -> list[PlatformCaption]: ...


def pick_writer(settings: Settings) -> CaptionWriter:
    """The LLM writer when an LLM base URL is configured, else the local writer."""
    if settings.llm_base_url:
        from jobs.media.captions.llm import LLMCaptionWriter

        return LLMCaptionWriter.from_settings(settings)
    from jobs.media.captions.local import LocalCaptionWriter

    return LocalCaptionWriter()
