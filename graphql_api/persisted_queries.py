"""Automatic persisted queries, as Apollo Client's persisted-queries link sends them.

The client first sends only `extensions.persistedQuery = {version: 1, sha256Hash}` (as a
GET for queries, so a CDN can cache the answer by URL). An unknown hash answers
PERSISTED_QUERY_NOT_FOUND; the client then sends the document with its hash, the server
checks the hash, runs it and remembers it.

The store is two-level: an in-process LRU in front of Redis. A hash always names the same
text, so a local copy can never be stale; the local level makes a known hash cost no I/O
on the hot path, and Redis shares what one process learnt with every api process and
replica (`clipforge serve --workers N`, several pods), so a client is not sent back for
the full document by each process in turn. Only documents that validated are stored, and
only a signed-in client's reach Redis (7 days, at most 20,000 characters each): an
anonymous stream of distinct documents can only churn the bounded local level.

With trusted documents (graphql_api.trusted_documents) the manifest is the only store:
hashes resolve from it and nothing is registered.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.http.typevars import Context, RootValue
from strawberry.types import ExecutionResult

from core.config import get_settings
from core.redis import get_redis
from graphql_api import trusted_documents
from graphql_api.over_http import SpecGraphQL, is_request_error

log = logging.getLogger("clipforge.graphql")

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
INVALID = "INVALID_PERSISTED_QUERY"
REDIS_PREFIX = "apq:"
TTL_SECONDS = 7 * 24 * 3600
LOCAL_ENTRIES = 2048
MAX_SHARED_CHARS = 20_000


class QueryStore:
    """sha256 -> document text: an LRU of this process in front of Redis."""

    def __init__(self, maxsize: int = LOCAL_ENTRIES) -> None:
        self.maxsize = maxsize
        self._local: OrderedDict[str, str] = OrderedDict()

    def _keep(self, digest: str, text: str) -> None:
        self._local[digest] = text
        self._local.move_to_end(digest)
        while len(self._local) > self.maxsize:
            self._local.popitem(last=False)

    async def get(self, digest: str) -> str | None:
        text = self._local.get(digest)
        if text is not None:
            self._local.move_to_end(digest)
            return text
        raw = await get_redis().get(REDIS_PREFIX + digest)
        if raw is None:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        if trusted_documents.sha256(text) != digest:  # never trust a store blindly
            return None
        self._keep(digest, text)
        return text

    async def put(self, digest: str, text: str, *, shared: bool) -> None:
        """Remember `text` here; with `shared`, in Redis too (for every api process)."""
        self._keep(digest, text)
        if shared and len(text) <= MAX_SHARED_CHARS:
            await get_redis().set(REDIS_PREFIX + digest, text.encode(), ex=TTL_SECONDS)

    def forget_local(self) -> None:
        self._local.clear()


STORE = QueryStore()


def _error(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


@dataclass(frozen=True)
class Resolved:
    data: GraphQLRequestData
    register: str | None = None  # the hash to remember once the document proved valid


async def resolve(data: GraphQLRequestData) -> Resolved | ExecutionResult:
    """The request with its document filled in from the hash, or the error to answer."""
    persisted: Any = (data.extensions or {}).get("persistedQuery")
    if persisted is None:
        return Resolved(data)
    settings = get_settings()
    manifest = trusted_documents.active()
    if manifest is None and not settings.persisted_queries:
        return _error("PersistedQueryNotSupported", NOT_SUPPORTED)
    if not isinstance(persisted, dict) or persisted.get("version", 1) != 1:
        return _error("extensions.persistedQuery must be {version: 1, sha256Hash}.", INVALID)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        return _error("persistedQuery.sha256Hash must be a SHA-256 in hex.", INVALID)
    digest = digest.lower()
    if data.query is not None:
        if trusted_documents.sha256(data.query) != digest:
            return _error("The provided sha256Hash does not match the query.", INVALID)
        # Trusted mode: the schema's check refuses a document outside the manifest.
        return Resolved(data, register=None if manifest is not None else digest)
    if manifest is not None:
        text = manifest.bodies.get(digest)
    else:
        try:
            text = await STORE.get(digest)
        except Exception as exc:  # noqa: BLE001 - Redis down: the client sends the text next
            log.warning("persisted query store unavailable: %s", exc)
            text = None
    if text is None:
        return _error("PersistedQueryNotFound", NOT_FOUND)
    return Resolved(replace(data, query=text))


class PersistedQueriesView(SpecGraphQL[Context, RootValue]):
    """The HTTP view that resolves persisted query hashes before running an operation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trusted_documents.active()  # a broken manifest stops the start, not every request

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: RootValue | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        resolved = await resolve(request_data)
        if isinstance(resolved, ExecutionResult):
            return resolved
        result = await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=resolved.data,
        )
        if resolved.register is not None and resolved.data.query and not is_request_error(result):
            try:
                signed_in = getattr(context, "viewer", None) is not None
                await STORE.put(resolved.register, resolved.data.query, shared=signed_in)
            except Exception as exc:  # noqa: BLE001 - the answer is right; only caching failed
                log.warning("persisted query not stored: %s", exc)
        return result
