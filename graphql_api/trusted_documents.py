"""Trusted documents: with CLIPFORGE_TRUSTED_DOCUMENTS set, only the listed operations run.

The list is a persisted-query manifest in Apollo's format (what Apollo's own
`generate-persisted-query-manifest` writes, and what `clipforge trusted-documents` makes
from the clients' operations file):

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256 of body>", "name": "Me", "type": "query", "body": "..."}]}

A client sends an operation's hash (`extensions.persistedQuery.sha256Hash`, no document
needed) or its full text, whose SHA-256 must be listed. Anything else, over HTTP or a
WebSocket, is refused before validation with PERSISTED_QUERY_NOT_IN_LIST.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from core.config import get_settings
from graphql_api.documents import current

FORMAT = "apollo-persisted-query-manifest"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"


class ManifestError(ValueError):
    """The trusted-documents file is missing, unreadable or not a manifest."""


@dataclass(frozen=True)
class Manifest:
    bodies: dict[str, str]  # sha256 -> document text


_lock = threading.Lock()
_loaded: dict[tuple[str, int], Manifest] = {}


def load(path: Path) -> Manifest:
    """The manifest at `path`, re-read when the file changes; checks every hash."""
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except OSError as exc:
        raise ManifestError(f"trusted documents: cannot read {path}: {exc}") from exc
    with _lock:
        found = _loaded.get(stamp)
        if found is not None:
            return found
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ManifestError(f"trusted documents: {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(f"trusted documents: {path} is not an {FORMAT}")
    bodies: dict[str, str] = {}
    for operation in data.get("operations") or []:
        body = operation.get("body") if isinstance(operation, dict) else None
        if not isinstance(body, str):
            raise ManifestError(f"trusted documents: an operation without a body in {path}")
        digest = sha256(body)
        if operation.get("id") not in (None, digest):
            raise ManifestError(f"trusted documents: {operation.get('name')}: id is not sha256")
        bodies[digest] = body
    manifest = Manifest(bodies)
    with _lock:
        _loaded.clear()
        _loaded[stamp] = manifest
    return manifest


def active() -> Manifest | None:
    """The manifest in force (None: any document may run)."""
    path = get_settings().trusted_documents
    return load(Path(path)) if path else None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def not_listed() -> GraphQLError:
    return GraphQLError(
        "This server runs only its trusted operations; this document is not one of them.",
        extensions={"code": NOT_IN_LIST},
    )


class TrustedDocuments(SchemaExtension):
    """Refuses documents missing from the manifest, before they are validated (HTTP and
    WebSocket alike). Comes before graphql_api.documents.CachedDocuments."""

    def on_validate(self) -> Iterator[None]:
        manifest = active()
        context = self.execution_context
        if manifest is not None and context.pre_execution_errors is None:
            entry = current(context)
            digest = entry.sha256 if entry is not None else sha256(context.query or "")
            if digest not in manifest.bodies:
                context.pre_execution_errors = [not_listed()]
        yield


# ---------------------------------------------------------------- making a manifest


def _spreads(node: Any) -> list[str]:
    names: list[str] = []

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            if spread.name.value not in names:
                names.append(spread.name.value)

    visit(node, Collect())
    return names


def add_typename(document: DocumentNode) -> DocumentNode:
    """What Apollo Client's cache does to every document it sends: `__typename` appended
    to each selection set but an operation's own, unless one starts with `__` already."""
    typename = FieldNode(name=NameNode(value="__typename"))

    class Add(Visitor):
        def enter_selection_set(
            self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any
        ) -> SelectionSetNode | None:
            if isinstance(parent, OperationDefinitionNode) or not node.selections:
                return None
            if any(
                isinstance(s, FieldNode) and s.name.value.startswith("__") for s in node.selections
            ):
                return None
            return SelectionSetNode(selections=(*node.selections, typename))

    result: DocumentNode = visit(document, Add())
    return result


def build_manifest(source: str, *, apollo: bool = True) -> dict[str, Any]:
    """One entry per operation of `source` (with the fragments it uses, after it, in the
    order first used); with `apollo`, a second entry per operation as Apollo Client sends
    it (with `__typename` added), since its hash differs."""
    document = parse(source)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations: list[dict[str, Any]] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            continue
        wanted: list[str] = []
        todo = _spreads(definition)
        while todo:
            name = todo.pop(0)
            if name in wanted or name not in fragments:
                continue
            wanted.append(name)
            todo.extend(_spreads(fragments[name]))
        single = DocumentNode(definitions=(definition, *(fragments[n] for n in wanted)))
        variants = [single, add_typename(single)] if apollo else [single]
        for variant in variants:
            body = print_ast(variant)
            entry = {
                "id": sha256(body),
                "name": definition.name.value,
                "type": definition.operation.value,
                "body": body,
            }
            if entry not in operations:
                operations.append(entry)
    return {"format": FORMAT, "version": 1, "operations": operations}
