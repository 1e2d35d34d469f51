"""HTTP endpoints behind the local backend's signed URLs (what S3 itself serves otherwise).

GET streams a stored object (Range supported); PUT streams a body to disk, for a whole
object (once: a second PUT to a taken key is a 412, as on S3 with `If-None-Match: *`) or one
multipart part (until the upload is completed). Every request must carry a valid, unexpired
signature.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.storage.base import InvalidKey, InvalidPart, ObjectExists, ObjectMissing
from core.storage.factory import get_store
from core.storage.keys import check_key
from core.storage.local import LocalStore, PayloadTooLarge, is_expired

# Stored bytes are user content: never let a browser run it on the api's origin.
_SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=0",
}


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers=_SAFE_HEADERS)


def _store(request: Request) -> LocalStore | None:
    """The app's store (``app.state.object_store`` if set, else the process store)."""
    store = getattr(request.app.state, "object_store", None) or get_store()
    return store if isinstance(store, LocalStore) else None


def _target(request: Request) -> tuple[LocalStore, str] | Response:
    """The local store and the checked key of the request, or the response refusing it."""
    store = _store(request)
    if store is None:
        return _text(404, "not found")
    key = request.path_params["key"]
    try:
        check_key(key)
    except InvalidKey:
        return _text(400, "invalid key")
    return store, key


def _denied(expires: str) -> Response:
    return _text(403, "signed URL expired" if is_expired(expires) else "invalid signature")


async def get_object(request: Request) -> Response:
    target = _target(request)
    if isinstance(target, Response):
        return target
    store, key = target
    q = request.query_params
    if q.get("method") != "GET" or not store.verify(
        "GET", key, q.get("expires", ""), q.get("sig", "")
    ):
        return _denied(q.get("expires", ""))
    info = await asyncio.to_thread(store.info, key)
    if info is None:
        return _text(404, "not found")
    headers = dict(_SAFE_HEADERS)
    if info.etag:
        headers["ETag"] = f'"{info.etag}"'
    return FileResponse(info.path, media_type=info.content_type, headers=headers)


async def put_object(request: Request) -> Response:
    target = _target(request)
    if isinstance(target, Response):
        return target
    store, key = target
    q = request.query_params
    upload_id = q.get("upload_id", "")
    part = q.get("part", "")
    content_type = request.headers.get("content-type", "")
    expires, sig = q.get("expires", ""), q.get("sig", "")
    if q.get("method") != "PUT":
        return _denied(expires)
    if upload_id or part:
        # Parts carry no content type of their own (as with S3's upload_part).
        ok = store.verify("PUT", key, expires, sig, upload_id=upload_id, part_number=part)
    else:
        ok = store.verify("PUT", key, expires, sig, content_type)
    if not ok:
        return _denied(expires)

    max_bytes = store.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        return _text(413, f"body over {max_bytes} bytes")
    try:
        if upload_id or part:
            etag = await store.write_part(key, upload_id, int(part), request.stream(), max_bytes)
        else:  # write-once, like S3 with If-None-Match: * (uploads cannot be swapped)
            etag = await store.write_stream(
                key, request.stream(), content_type, max_bytes, once=True
            )
    except PayloadTooLarge as exc:
        return _text(413, str(exc))
    except ObjectExists:
        return _text(412, "precondition failed: the object exists and cannot be replaced")
    except ObjectMissing:
        return _text(404, "no such upload")
    except (InvalidPart, InvalidKey, ValueError) as exc:
        return _text(400, str(exc))
    return Response(status_code=200, headers={"ETag": f'"{etag}"', **_SAFE_HEADERS})


routes: list[Route] = [
    Route("/storage/{key:path}", get_object, methods=["GET", "HEAD"]),
    Route("/storage/{key:path}", put_object, methods=["PUT"]),
]
