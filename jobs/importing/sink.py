"""Writing a download to disk without blocking the event loop or holding it in memory.

Chunks are gathered up to a small buffer and written from a thread; the file can be
truncated (a source that restarts from the first byte) and is removed on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import BinaryIO

BUFFER_BYTES = 1024 * 1024


class FileSink:
    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        self._append = append
        self._file: BinaryIO | None = None
        self._buffer = bytearray()

    async def open(self) -> FileSink:
        self._file = await asyncio.to_thread(self._open)
        return self

    def _open(self) -> BinaryIO:
        return self.path.open("ab") if self._append else self.path.open("wb")

    async def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        if len(self._buffer) >= BUFFER_BYTES:
            await self.flush()

    async def flush(self) -> None:
        if self._buffer and self._file is not None:
            data, self._buffer = bytes(self._buffer), bytearray()
            await asyncio.to_thread(self._file.write, data)

    async def truncate(self) -> None:
        """Start over: the source sent the whole file again."""
        self._buffer = bytearray()
        if self._file is not None:
            file = self._file
            await asyncio.to_thread(lambda: (file.seek(0), file.truncate()))

    async def close(self) -> None:
        try:
            await self.flush()
        finally:
            if self._file is not None:
                file, self._file = self._file, None
                await asyncio.to_thread(file.close)

    async def discard(self) -> None:
        """Close and remove the partial file (a failed import leaves nothing behind)."""
        with contextlib.suppress(OSError):
            if self._file is not None:
                file, self._file = self._file, None
                await asyncio.to_thread(file.close)
        await asyncio.to_thread(self.path.unlink, missing_ok=True)
