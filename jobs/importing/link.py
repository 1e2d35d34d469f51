"""Import the video behind a link: a direct file is streamed; a page goes through yt-dlp.

One GET (redirects checked hop by hop) tells them apart: an HTML answer is a page, handed to
yt-dlp, whose chosen file is then fetched with the same guarded streaming fetch; anything
else is the file itself and is saved from that very response (probing decides later whether
it is media). An error status on a page is also handed to yt-dlp, which knows how sites
say "private" or "removed"; when yt-dlp finds nothing there, the status is the answer.
Everything runs within the import's total time limit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx

from core.netguard import NetGuard
from jobs.importing.errors import ImportCode, ImportFailed
from jobs.importing.fetch import (
    Fetched,
    Progress,
    open_source,
    raise_for_status,
    save_response,
    source_client,
    timed_out,
)
from jobs.importing.limits import ImportLimits
from jobs.importing.ytdlp import ResolvedVideo, resolve_page

_PAGE_TYPES = ("text/html", "application/xhtml+xml")


class SourceKind(StrEnum):
    DIRECT = "DIRECT"  # the link was the file
    PAGE = "PAGE"  # the link was a page; yt-dlp found the file


@dataclass(frozen=True)
class ImportedFile:
    fetched: Fetched
    kind: SourceKind
    title: str | None = None  # the page's title when yt-dlp gave one
    extractor: str | None = None

    @property
    def path(self) -> Path:
        return self.fetched.path


def _is_page(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return ctype in _PAGE_TYPES


async def _through_page(
    url: str,
    failed: httpx.Response | None,
    dest: Path,
    guard: NetGuard,
    limits: ImportLimits,
    on_progress: Progress | None,
) -> ImportedFile:
    try:
        video: ResolvedVideo = await resolve_page(url, guard=guard, limits=limits)
    except ImportFailed as exc:
        if failed is not None and exc.code == ImportCode.UNSUPPORTED_URL:
            raise_for_status(failed)  # the page's own error says more than "no video"
        raise
    async with source_client(guard, limits) as client:
        response = await open_source(client, guard, video.url, headers=video.headers)
        fetched = await save_response(
            client, guard, response, dest, limits, on_progress=on_progress, headers=video.headers
        )
    return ImportedFile(fetched, SourceKind.PAGE, video.title, video.extractor)


async def import_link(
    url: str,
    dest: Path,
    *,
    guard: NetGuard,
    limits: ImportLimits,
    on_progress: Progress | None = None,
) -> ImportedFile:
    """Fetch the video behind url into dest; raises ImportRefused / ImportUnavailable."""
    try:
        async with asyncio.timeout(limits.total_seconds):
            async with source_client(guard, limits) as client:
                response = await open_source(client, guard, url)
                if not _is_page(response) and response.status_code < 400:
                    fetched = await save_response(
                        client, guard, response, dest, limits, on_progress=on_progress
                    )
                    return ImportedFile(fetched, SourceKind.DIRECT)
                failed = response if response.status_code >= 400 else None
                await response.aclose()
            return await _through_page(url, failed, dest, guard, limits, on_progress)
    except TimeoutError:
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise timed_out(limits) from None
