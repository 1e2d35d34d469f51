"""Local-disk backend: the embedded default, with the api serving its signed URLs.

Layout under ``settings.storage_root``::

    objects/<key>            the bytes
    meta/<key>               JSON sidecar: content type, etag, size
    multipart/<upload id>/   upload.json and part-NNNNN (+ .etag) files
    tmp/                     temp files, renamed into place so readers never see partial data
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import mimetypes
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from core.config import Settings, get_settings
from core.storage.base import (
    InvalidKey,
    InvalidPart,
    MultipartPart,
    ObjectChanged,
    ObjectExists,
    ObjectMissing,
    ObjectStat,
    PresignedRequest,
    StorageError,
)
from core.storage.keys import check_key, check_prefix
from core.storage.signing import UrlSigner, check_signature

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_WRITE_BUFFER = 1024 * 1024
# The pipeline's own file types, so guesses do not depend on the machine's mime.types.
_KNOWN_TYPES = {
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".json": "application/json",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".ass": "text/x-ssa",
}


class PayloadTooLarge(ValueError):
    """A streamed write went over its byte limit (the api answers 413)."""


@dataclass(frozen=True)
class ObjectInfo:
    """What the api needs to serve an object."""

    path: Path
    size: int
    content_type: str
    etag: str


def _md5() -> Any:
    return hashlib.md5(usedforsecurity=False)


def _clean_etag(etag: str) -> str:
    return etag.strip().strip('"').lower()


def guess_content_type(key: str) -> str:
    suffix = os.path.splitext(key)[1].lower()
    return _KNOWN_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE


def verify(
    method: str,
    key: str,
    expires: int | str,
    sig: str,
    content_type: str = "",
    *,
    upload_id: str = "",
    part_number: int | str | None = None,
    settings: Settings | None = None,
) -> bool:
    """Check a local signed URL against ``settings.secret_key`` (the process settings if None)."""
    s = settings or get_settings()
    return check_signature(
        s.secret_key, method, key, expires, sig, content_type, upload_id, part_number
    )


class LocalStore:
    """ObjectStore on a local directory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.storage_root).resolve()
        self.signer = UrlSigner(settings.public_base_url, settings.secret_key)

    # ------------------------------------------------------------------ paths
    def _path(self, area: str, key: str) -> Path:
        check_key(key)
        base = self.root / area
        path = (base / key).resolve()
        if not path.is_relative_to(base.resolve()):  # symlinks pointing out of the root
            raise InvalidKey("key escapes the store")
        return path

    def object_path(self, key: str) -> Path:
        return self._path("objects", key)

    def _meta_path(self, key: str) -> Path:
        return self._path("meta", key)

    def _upload_dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id or ""):
            raise ObjectMissing(f"upload {upload_id!r}")
        return self.root / "multipart" / upload_id

    def _tmp_file(self) -> tuple[Path, IO[bytes]]:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        path = tmp_dir / f"{secrets.token_hex(12)}.part"
        return path, open(path, "xb")  # noqa: SIM115 - closed by the caller

    def _place(self, tmp: Path, dest: Path) -> None:
        """Atomic rename of a finished temp file into place."""
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
        except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise InvalidKey(f"key clashes with an existing key: {dest.name}") from exc

    def _write_json(self, dest: Path, data: dict[str, Any]) -> None:
        tmp, fh = self._tmp_file()
        with fh:
            fh.write(json.dumps(data).encode())
        self._place(tmp, dest)

    def _write_meta(self, key: str, content_type: str, etag: str, size: int) -> None:
        meta = {"content_type": content_type, "etag": etag, "size": size}
        self._write_json(self._meta_path(key), meta)

    def _commit(self, key: str, tmp: Path, content_type: str, etag: str, size: int) -> None:
        self._write_meta(key, content_type, etag, size)
        self._place(tmp, self.object_path(key))

    def _commit_once(self, key: str, tmp: Path, content_type: str, etag: str, size: int) -> None:
        """Place the object only if the key is free: a hard link never replaces (atomic)."""
        dest = self.object_path(key)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(tmp, dest)
        except FileExistsError:
            raise ObjectExists(key) from None
        except (NotADirectoryError, IsADirectoryError) as exc:
            raise InvalidKey(f"key clashes with an existing key: {dest.name}") from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._write_meta(key, content_type, etag, size)

    def _write_blocking(self, key: str, chunks: Iterable[bytes], content_type: str) -> str:
        check_key(key)
        tmp, fh = self._tmp_file()
        digest, size = _md5(), 0
        try:
            with fh:
                for chunk in chunks:
                    fh.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            etag = digest.hexdigest()
            self._commit(key, tmp, content_type, etag, size)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return etag

    def _prune_dirs(self, start: Path, area: str) -> None:
        """Remove empty parent folders left by deletes, up to the area root."""
        stop = self.root / area
        current = start
        while current != stop and current.is_relative_to(stop):
            try:
                current.rmdir()
            except OSError:
                return
            current = current.parent

    # ------------------------------------------------------------------ basics
    async def ping(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"storage root {self.root} is missing or not writable")

    async def ensure_bucket(self) -> None:
        def make() -> None:
            for area in ("objects", "meta", "multipart", "tmp"):
                (self.root / area).mkdir(parents=True, exist_ok=True)

        try:
            await asyncio.to_thread(make)
        except OSError as exc:
            raise StorageError(f"cannot create storage root {self.root}: {exc}") from exc

    async def close(self) -> None:
        return None

    # ----------------------------------------------------------------- objects
    async def put_bytes(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        await asyncio.to_thread(self._write_blocking, key, [data], content_type)

    async def put_file(
        self, key: str, path: Path, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        def chunks() -> Iterable[bytes]:
            with open(path, "rb") as fh:
                while chunk := fh.read(_WRITE_BUFFER):
                    yield chunk

        await asyncio.to_thread(self._write_blocking, key, chunks(), content_type)

    async def write_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        content_type: str,
        max_bytes: int,
        *,
        once: bool = False,
    ) -> str:
        """Stream an async body to the key without holding it in memory; returns the etag.
        `once`: only if the key is free (ObjectExists otherwise), as a presigned PUT."""
        check_key(key)
        tmp, size, etag = await self._stream_to_tmp(chunks, max_bytes)
        commit = self._commit_once if once else self._commit
        try:
            await asyncio.to_thread(commit, key, tmp, content_type, etag, size)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return etag

    async def _stream_to_tmp(
        self, chunks: AsyncIterable[bytes], max_bytes: int
    ) -> tuple[Path, int, str]:
        tmp, fh = await asyncio.to_thread(self._tmp_file)
        digest, size = _md5(), 0
        buffer: list[bytes] = []
        buffered = 0
        try:
            with fh:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(f"body over {max_bytes} bytes")
                    digest.update(chunk)
                    buffer.append(chunk)
                    buffered += len(chunk)
                    if buffered >= _WRITE_BUFFER:
                        await asyncio.to_thread(fh.write, b"".join(buffer))
                        buffer, buffered = [], 0
                if buffer:
                    await asyncio.to_thread(fh.write, b"".join(buffer))
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return tmp, size, digest.hexdigest()

    def info(self, key: str) -> ObjectInfo | None:
        """Size, content type and etag of a stored object (None if missing)."""
        path = self.object_path(key)
        try:
            size = path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        meta: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            meta = json.loads(self._meta_path(key).read_bytes())
        content_type = meta.get("content_type") or guess_content_type(key)
        return ObjectInfo(path, size, content_type, str(meta.get("etag", "")))

    async def get_bytes(self, key: str) -> bytes:
        path = self.object_path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise ObjectMissing(key) from exc

    async def download(self, key: str, dest: Path, *, if_match: str | None = None) -> None:
        """Copy to `dest` (renamed into place); with `if_match`, ObjectChanged when the
        object's ETag differs before or after the copy."""
        src = self.object_path(key)
        if if_match is not None:
            await self._expect(key, if_match)

        def copy() -> None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".dl-{secrets.token_hex(6)}-{dest.name}")
            try:
                shutil.copyfile(src, tmp)
                os.replace(tmp, dest)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise

        try:
            await asyncio.to_thread(copy)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            if not src.is_file():
                raise ObjectMissing(key) from exc
            raise StorageError(f"download {key}: {exc}") from exc
        if if_match is not None:
            try:
                await self._expect(key, if_match)
            except ObjectChanged:
                await asyncio.to_thread(dest.unlink, missing_ok=True)
                raise

    async def _expect(self, key: str, etag: str) -> None:
        found = await self.stat(key)
        if found is None:
            raise ObjectMissing(key)
        if _clean_etag(found.etag) != _clean_etag(etag):
            raise ObjectChanged(f"{key}: the object is another version")

    async def size(self, key: str) -> int | None:
        info = await asyncio.to_thread(self.info, key)
        return None if info is None else info.size

    async def stat(self, key: str) -> ObjectStat | None:
        info = await asyncio.to_thread(self.info, key)
        return None if info is None else ObjectStat(info.size, _clean_etag(info.etag))

    async def exists(self, key: str) -> bool:
        return await self.size(key) is not None

    def _delete_blocking(self, key: str) -> None:
        for area, path in (("objects", self.object_path(key)), ("meta", self._meta_path(key))):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                path.unlink()
                self._prune_dirs(path.parent, area)

    async def delete(self, key: str) -> None:
        """Deleting a missing key is not an error (S3 semantics)."""
        await asyncio.to_thread(self._delete_blocking, key)

    def _list_blocking(self, prefix: str) -> list[str]:
        base = self.root / "objects"
        start = base / prefix.rsplit("/", 1)[0] if "/" in prefix else base
        keys: list[str] = []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                key = Path(dirpath, name).relative_to(base).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    async def list_keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._list_blocking, check_prefix(prefix))

    async def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise StorageError("refusing to delete the whole store (empty prefix)")
        keys = await self.list_keys(prefix)

        def delete_all() -> None:
            for key in keys:
                self._delete_blocking(key)

        await asyncio.to_thread(delete_all)
        return len(keys)

    # --------------------------------------------------------------- presigned
    def _expiry(self, expires_in: int | None) -> int:
        ttl = expires_in if expires_in is not None else self.settings.presign_ttl_seconds
        return int(time.time()) + int(ttl)

    def verify(
        self,
        method: str,
        key: str,
        expires: int | str,
        sig: str,
        content_type: str = "",
        *,
        upload_id: str = "",
        part_number: int | str | None = None,
    ) -> bool:
        return verify(
            method,
            key,
            expires,
            sig,
            content_type,
            upload_id=upload_id,
            part_number=part_number,
            settings=self.settings,
        )

    def _url(self, method: str, key: str, expires: int, **extra: Any) -> str:
        return self.signer.url(method, check_key(key), expires, **extra)

    async def presigned_put(
        self, key: str, content_type: str, expires_in: int | None = None
    ) -> PresignedRequest:
        expires = self._expiry(expires_in)
        return PresignedRequest(
            url=self._url("PUT", key, expires, content_type=content_type),
            method="PUT",
            # As on S3: the URL creates the object once (the api's route refuses a second PUT).
            headers={"Content-Type": content_type, "If-None-Match": "*"},
            expires_at=datetime.fromtimestamp(expires, UTC),
        )

    async def presigned_get(self, key: str, expires_in: int | None = None) -> str:
        return self._url("GET", key, self._expiry(expires_in))

    def quick_get(self, key: str) -> str | None:
        return self._url("GET", key, self._expiry(None))

    # --------------------------------------------------------------- multipart
    def _load_upload(self, key: str, upload_id: str) -> dict[str, Any]:
        try:
            upload: dict[str, Any] = json.loads(
                (self._upload_dir(upload_id) / "upload.json").read_bytes()
            )
        except (FileNotFoundError, ValueError) as exc:
            raise ObjectMissing(f"upload {upload_id}") from exc
        if upload.get("key") != key:
            raise ObjectMissing(f"upload {upload_id} is not for {key}")
        return upload

    async def create_multipart(self, key: str, content_type: str) -> str:
        check_key(key)
        upload_id = secrets.token_hex(16)
        folder = self._upload_dir(upload_id)
        await asyncio.to_thread(folder.mkdir, parents=True)
        await asyncio.to_thread(
            self._write_json,
            folder / "upload.json",
            {"key": key, "content_type": content_type, "created": time.time()},
        )
        return upload_id

    async def presigned_part(
        self, key: str, upload_id: str, part_number: int, expires_in: int | None = None
    ) -> str:
        if not 1 <= part_number <= 10000:
            raise InvalidPart(f"part number {part_number} outside 1..10000")
        await asyncio.to_thread(self._load_upload, check_key(key), upload_id)
        expires = self._expiry(expires_in)
        return self._url("PUT", key, expires, upload_id=upload_id, part_number=part_number)

    async def write_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        chunks: AsyncIterable[bytes],
        max_bytes: int,
    ) -> str:
        """Store one part (replacing an earlier upload of it); returns its etag (md5)."""
        if not 1 <= part_number <= 10000:
            raise InvalidPart(f"part number {part_number} outside 1..10000")
        await asyncio.to_thread(self._load_upload, check_key(key), upload_id)
        tmp, _size, etag = await self._stream_to_tmp(chunks, max_bytes)
        folder = self._upload_dir(upload_id)

        def place() -> None:
            name = f"part-{part_number:05d}"
            os.replace(tmp, folder / name)
            (folder / f"{name}.etag").write_text(etag)

        try:
            await asyncio.to_thread(place)
        except FileNotFoundError as exc:  # aborted while uploading
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ObjectMissing(f"upload {upload_id}") from exc
        return etag

    def _complete_blocking(self, key: str, upload_id: str, parts: list[MultipartPart]) -> None:
        upload = self._load_upload(key, upload_id)
        folder = self._upload_dir(upload_id)
        if not parts:
            raise InvalidPart("no parts")
        ordered = sorted(parts, key=lambda p: p.part_number)
        numbers = [p.part_number for p in ordered]
        if len(set(numbers)) != len(numbers):
            raise InvalidPart("a part number is listed twice")
        files = []
        for part in ordered:
            name = f"part-{part.part_number:05d}"
            try:
                stored = (folder / f"{name}.etag").read_text()
            except FileNotFoundError as exc:
                raise InvalidPart(f"part {part.part_number} was not uploaded") from exc
            if _clean_etag(stored) != _clean_etag(part.etag):
                raise InvalidPart(f"part {part.part_number} etag does not match")
            files.append((folder / name, stored))
        tmp, fh = self._tmp_file()
        size = 0
        try:
            with fh:
                for path, _etag in files:
                    with open(path, "rb") as src:
                        shutil.copyfileobj(src, fh, _WRITE_BUFFER)
                    size += path.stat().st_size
            # S3-style multipart etag: md5 of the part md5s, then "-<count>".
            combined = _md5()
            for _path, etag in files:
                combined.update(bytes.fromhex(etag))
            etag = f"{combined.hexdigest()}-{len(files)}"
            self._commit(key, tmp, upload["content_type"], etag, size)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        shutil.rmtree(folder, ignore_errors=True)

    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[MultipartPart]
    ) -> None:
        await asyncio.to_thread(self._complete_blocking, check_key(key), upload_id, parts)

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        await asyncio.to_thread(self._load_upload, check_key(key), upload_id)
        await asyncio.to_thread(shutil.rmtree, self._upload_dir(upload_id), True)


def is_expired(expires: int | str) -> bool:
    """For error messages only: the signature check already refuses expired URLs."""
    try:
        return int(expires) < time.time()
    except (TypeError, ValueError):
        return False
