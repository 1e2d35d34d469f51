"""A forward proxy on 127.0.0.1 that takes yt-dlp's traffic through the SSRF guard.

yt-dlp fetches pages, follows redirects and reads manifests with its own HTTP stack; run
with ``--proxy`` pointing here, every one of its connections is a CONNECT (https) or an
absolute-form request (http) that this proxy checks with the same guard, resolves once and
opens to the checked address. Refusals answer 403 and are kept, so the caller reports
URL_NOT_ALLOWED rather than yt-dlp's generic network error. A random token in the proxy URL
keeps other local processes out; bytes and time per connection are bounded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
from types import TracebackType

from core.netguard import HostNotFound, NetGuard, UrlNotAllowed

HEAD_LIMIT = 64 * 1024
BODY_LIMIT = 1024 * 1024  # request bodies yt-dlp sends over plain http (API calls)
_HOP_HEADERS = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})


class GuardedProxy:
    def __init__(
        self,
        guard: NetGuard,
        *,
        connect_seconds: float = 10.0,
        idle_seconds: float = 30.0,
        max_bytes: int = 256 * 1024**2,
    ) -> None:
        self.guard = guard
        self.connect_seconds = connect_seconds
        self.idle_seconds = idle_seconds
        self.max_bytes = max_bytes  # what yt-dlp may read through us (pages, manifests)
        self.refusals: list[UrlNotAllowed] = []
        self.targets: list[str] = []  # host:port of every connection opened
        self._token = secrets.token_urlsafe(18)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._relayed = 0

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://clipforge:{self._token}@127.0.0.1:{port}"

    async def __aenter__(self) -> GuardedProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0, limit=HEAD_LIMIT)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _authorized(self, headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"clipforge:{self._token}".encode()).decode()
        given = headers.get("proxy-authorization", "")
        return secrets.compare_digest(given, f"Basic {expected}")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(self.idle_seconds):
            head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers: dict[str, str] = {}
        kept: list[str] = []
        for line in lines[1:]:
            if ":" not in line:
                continue
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
            if name.strip().lower() not in _HOP_HEADERS:
                kept.append(line)
        if not self._authorized(headers):
            await _answer(writer, 407, "Proxy Authentication Required")
            return
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            if method == "CONNECT":
                link = self.guard.check_syntax(f"https://{target}/")
                upstream = await self._open(link.host, link.port)
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                link = self.guard.check_syntax(target)
                length = headers.get("content-length", "0")
                if link.scheme != "http" or "transfer-encoding" in headers:
                    await _answer(writer, 400, "Bad Request")
                    return
                if not length.isdigit() or int(length) > BODY_LIMIT:
                    await _answer(writer, 413, "Content Too Large")
                    return
                async with asyncio.timeout(self.idle_seconds):
                    body = await reader.readexactly(int(length))
                upstream = await self._open(link.host, link.port)
                path = link.url.raw_path.decode("ascii") or "/"
                request = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
                upstream[1].write("\r\n".join(request).encode("latin-1") + body)
                await self._pass_response_head(upstream[0], writer)
            relay, upstream = upstream, None
        except UrlNotAllowed as exc:
            self.refusals.append(exc)
            await _answer(writer, 403, "Forbidden", exc.message)
            return
        except (HostNotFound, OSError, TimeoutError, asyncio.IncompleteReadError):
            await _answer(writer, 502, "Bad Gateway")
            return
        finally:
            if upstream is not None:
                upstream[1].close()
        await self._relay(reader, writer, *relay)

    async def _pass_response_head(
        self, up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """The answer's head, marked ``Connection: close``: the client must not send another
        request on this connection, which ends with this answer."""
        async with asyncio.timeout(self.idle_seconds):
            head = await up_reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")[:-2]
        kept = [lines[0]] + [
            line for line in lines[1:] if line.split(":", 1)[0].strip().lower() not in _HOP_HEADERS
        ]
        writer.write("\r\n".join([*kept, "Connection: close", "", ""]).encode("latin-1"))

    async def _open(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        failure: BaseException | None = None
        for ip in await self.guard.addresses(host, port):
            try:
                async with asyncio.timeout(self.connect_seconds):
                    opened = await asyncio.open_connection(str(ip), port)
                self.targets.append(f"{host}:{port}")
                return opened
            except (OSError, TimeoutError) as exc:
                failure = exc
        raise failure or OSError(f"no address for {host}")

    async def _relay(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
            while True:
                async with asyncio.timeout(self.idle_seconds):
                    data = await src.read(64 * 1024)
                if not data:
                    return
                if count:
                    self._relayed += len(data)
                    if self._relayed > self.max_bytes:
                        return
                dst.write(data)
                await dst.drain()

        tasks = [
            asyncio.create_task(pump(client_reader, up_writer, False)),
            asyncio.create_task(pump(up_reader, client_writer, True)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            up_writer.close()
            with contextlib.suppress(Exception):
                await up_writer.wait_closed()


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str, body: str = "") -> None:
    data = body.encode()
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    with contextlib.suppress(OSError):
        await writer.drain()
