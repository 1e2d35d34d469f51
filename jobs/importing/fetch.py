"""Stream a direct link to a file through the SSRF guard, within size and time limits.

Never the whole body in memory: chunks go to disk as they arrive. The size limit is checked
on Content-Length before reading and on the bytes counted while reading. A connection that
breaks (or stalls past the read timeout) is resumed with a Range request when the server
offers ranges (If-Range on its validator, so a changed file starts over), a few times at
most; otherwise the import fails cleanly, transient, with no partial file left.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from core.netguard import HostNotFound, NetGuard, UrlNotAllowed, guarded_client
from core.netguard.redirects import open_following
from jobs.importing.errors import ImportCode, ImportRefused, ImportUnavailable
from jobs.importing.limits import ImportLimits
from jobs.importing.sink import FileSink

Progress = Callable[[int, int | None], Awaitable[None]]
USER_AGENT = "Mozilla/5.0 (compatible; Clipforge-Importer/1.0)"
_BROKEN = (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class Fetched:
    path: Path
    size: int
    content_type: str
    final_url: str
    resumes: int


def _gib(n: int) -> str:
    return f"{n / 1024**3:.3g} GB" if n >= 1024**3 else f"{n / 1024**2:.3g} MB"


def too_large(limits: ImportLimits) -> ImportRefused:
    return ImportRefused(
        ImportCode.TOO_LARGE, f"The video is larger than the {_gib(limits.max_bytes)} allowed."
    )


@contextlib.contextmanager
def classified() -> Iterator[None]:
    """Turn guard refusals and network failures into import failures with codes."""
    try:
        yield
    except UrlNotAllowed as exc:
        raise ImportRefused(ImportCode.URL_NOT_ALLOWED, exc.message) from exc
    except HostNotFound as exc:
        raise ImportUnavailable(ImportCode.HOST_NOT_FOUND, exc.message) from exc
    except httpx.TooManyRedirects as exc:
        raise ImportRefused(
            ImportCode.TOO_MANY_REDIRECTS, "The link redirects too many times."
        ) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise ImportUnavailable(
            ImportCode.SOURCE_UNREACHABLE,
            "The server of the link could not be reached.",
            detail=str(exc),
        ) from exc
    except httpx.TransportError as exc:
        raise ImportUnavailable(
            ImportCode.CONNECTION_BROKEN,
            "The connection to the link's server broke.",
            detail=str(exc),
        ) from exc


def source_client(guard: NetGuard, limits: ImportLimits) -> httpx.AsyncClient:
    timeout = httpx.Timeout(limits.read_seconds, connect=limits.connect_seconds)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    return guarded_client(guard, timeout=timeout, headers=headers)


async def open_source(
    client: httpx.AsyncClient,
    guard: NetGuard,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """GET the link following checked redirects; the answer is open, whatever its status."""
    with classified():
        return await open_following(client, guard, url, headers=dict(headers or {}))


def raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    message = f"The link's server answered {status} {response.reason_phrase}".rstrip() + "."
    if status in (408, 425, 429) or status >= 500:
        raise ImportUnavailable(ImportCode.SOURCE_HTTP_ERROR, message)
    raise ImportRefused(ImportCode.SOURCE_HTTP_ERROR, message)


class _Transfer:
    """One file's bytes, over one response and as many resumptions as allowed."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        guard: NetGuard,
        sink: FileSink,
        limits: ImportLimits,
        on_progress: Progress | None,
        headers: Mapping[str, str],
    ) -> None:
        self.client, self.guard, self.sink, self.limits = client, guard, sink, limits
        self.on_progress, self.headers = on_progress, dict(headers)
        self.done = 0
        self.reported = -1
        self.total: int | None = None
        self.resumes = 0

    async def report(self, force: bool = False) -> None:
        if self.on_progress is None:
            return
        if force or self.done - self.reported >= self.limits.progress_every_bytes:
            self.reported = self.done
            await self.on_progress(self.done, self.total)

    def take_length(self, response: httpx.Response) -> None:
        length = response.headers.get("content-length")
        self.total = int(length) if length and length.isdigit() else None
        if self.total is not None and self.total > self.limits.max_bytes:
            raise too_large(self.limits)

    async def body(self, response: httpx.Response) -> AsyncIterator[bytes]:
        async for chunk in response.aiter_bytes():
            self.done += len(chunk)
            if self.done > self.limits.max_bytes:
                raise too_large(self.limits)
            yield chunk

    async def resume(self, response: httpx.Response, validator: str | None) -> httpx.Response:
        """Ask for the rest; a 200 means the server starts over, which we follow."""
        headers = {**self.headers, "Range": f"bytes={self.done}-"}
        if validator:
            headers["If-Range"] = validator
        nxt = await open_source(self.client, self.guard, str(response.url), headers=headers)
        if nxt.status_code == 206:
            match = _CONTENT_RANGE.fullmatch(nxt.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != self.done:
                await nxt.aclose()
                raise ImportUnavailable(
                    ImportCode.CONNECTION_BROKEN,
                    "The transfer broke and the server could not resume it.",
                )
            if match.group(3) != "*":
                self.total = int(match.group(3))
            return nxt
        raise_for_status(nxt)  # a 416 or an error: no good resumption
        if nxt.status_code != 200:
            await nxt.aclose()
            raise ImportUnavailable(ImportCode.CONNECTION_BROKEN, "The transfer broke.")
        await self.sink.truncate()
        self.done = 0
        self.take_length(nxt)
        return nxt

    async def run(self, response: httpx.Response) -> httpx.Response:
        raise_for_status(response)
        self.take_length(response)
        encoded = response.headers.get("content-encoding", "identity") != "identity"
        resumable = response.headers.get("accept-ranges", "").lower() == "bytes" and not encoded
        etag = response.headers.get("etag", "")
        validator = (etag if not etag.startswith("W/") else "") or response.headers.get(
            "last-modified"
        )
        await self.report(force=True)
        while True:
            try:
                with classified():
                    async for chunk in self.body(response):
                        await self.sink.write(chunk)
                        await self.report()
                break
            except ImportUnavailable as exc:
                if not isinstance(exc.__cause__, _BROKEN):
                    raise
                await response.aclose()
                if not resumable or self.resumes >= self.limits.max_resumes:
                    raise ImportUnavailable(
                        ImportCode.CONNECTION_BROKEN,
                        "The connection to the link's server broke and the transfer could not "
                        "be resumed.",
                        detail=str(exc.__cause__),
                    ) from exc
                self.resumes += 1
                response = await self.resume(response, validator)
        if self.total is not None and self.done != self.total:
            raise ImportUnavailable(ImportCode.CONNECTION_BROKEN, "The transfer ended early.")
        await self.report(force=True)
        return response


async def save_response(
    client: httpx.AsyncClient,
    guard: NetGuard,
    response: httpx.Response,
    dest: Path,
    limits: ImportLimits,
    *,
    on_progress: Progress | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """Write an open response's body (resuming as needed) to dest; remove dest on failure."""
    sink = await FileSink(dest).open()
    transfer = _Transfer(client, guard, sink, limits, on_progress, headers or {})
    last = response
    try:
        last = await transfer.run(response)
        await sink.close()
    except BaseException:
        await sink.discard()
        raise
    finally:
        await last.aclose()
        await response.aclose()
    return Fetched(
        path=dest,
        size=transfer.done,
        content_type=response.headers.get("content-type", ""),
        final_url=str(last.url),
        resumes=transfer.resumes,
    )


def timed_out(limits: ImportLimits) -> ImportUnavailable:
    minutes = limits.total_seconds / 60
    return ImportUnavailable(
        ImportCode.IMPORT_TIMEOUT, f"The download took longer than {minutes:g} minutes."
    )


async def fetch_to_file(
    url: str,
    dest: Path,
    *,
    guard: NetGuard,
    limits: ImportLimits,
    on_progress: Progress | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """Download a direct link to dest within the limits; raises ImportFailed subclasses."""
    try:
        async with asyncio.timeout(limits.total_seconds), source_client(guard, limits) as client:
            response = await open_source(client, guard, url, headers=headers)
            return await save_response(
                client, guard, response, dest, limits, on_progress=on_progress, headers=headers
            )
    except TimeoutError:
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise timed_out(limits) from None
