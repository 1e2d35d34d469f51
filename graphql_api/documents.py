"""Parse and validate each distinct document once per process.

Clients send the same few documents over and over; parsing and validating them was most
of the CPU of a small query. The cache is keyed by the document's text (Python caches a
string's hash, while hashing a parsed document walks every node), and each entry keeps
the parsed document, its SHA-256 (persisted queries, trusted documents) and the
validation errors per set of rules. The rules are the same class objects from one
request to the next (see graphql_api.limits), and the limit settings are part of the
rule set's key, so changing a limit at run time validates again.

Before graphql-core's rules run, a document whose fragment expansion exceeds the budget
is refused (graphql_api.document_budget), and validation itself has a wall-clock cap
(graphql_api.validation_deadline). A refusal by the budget is cached like any other
validation error; a timeout is not (it depends on the machine's load).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from graphql.validation import ASTValidationRule
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from core.config import get_settings
from graphql_api import document_budget, validation_deadline

MAX_DOCUMENTS = 512
# A parsed document keeps its tokens and nodes: about 175 bytes per character of text
# (35 KB for UploadDetail, 840 KB for a document at the token limit). The cache is bounded
# by the total length of its texts, so no stream of distinct documents can grow memory past
# ~45 MB; it can only push documents out (they are parsed again).
MAX_TEXT_CHARS = 256_000
ABORTED = "VALIDATION_ABORTED"
STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


@dataclass
class Document:
    text: str
    node: DocumentNode
    sha256: str
    validated: dict[tuple[Any, ...], list[GraphQLError]] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # per-document results of other steps


class DocumentCache:
    """An LRU of parsed documents keyed by text; thread-safe (sync execution uses threads)."""

    def __init__(self, maxsize: int = MAX_DOCUMENTS, max_chars: int = MAX_TEXT_CHARS) -> None:
        self.maxsize = maxsize
        self.max_chars = max_chars
        self._chars = 0
        self._entries: OrderedDict[tuple[str, int], Document] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.validations = 0

    def get(self, text: str, max_tokens: int) -> Document:
        """The parsed document; raises GraphQLSyntaxError (not cached) like `parse`."""
        key = (text, max_tokens)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
        node = parse(text, max_tokens=max_tokens or None)
        entry = Document(text, node, hashlib.sha256(text.encode()).hexdigest())
        with self._lock:
            self.misses += 1
            if len(text) > self.max_chars // 8:
                return entry  # too big to keep: parsed for this request only
            if key not in self._entries:
                self._chars += len(text)
            self._entries[key] = entry
            while len(self._entries) > self.maxsize or self._chars > self.max_chars:
                (old, _), _ = self._entries.popitem(last=False)
                self._chars -= len(old)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0
            self.hits = self.misses = self.validations = 0

    def validate(
        self,
        schema: GraphQLSchema,
        entry: Document,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        """Validation errors of `entry` under `rules` (computed once per rule set)."""
        settings = get_settings()
        budget, cap_ms = settings.max_query_nodes, settings.validation_timeout_ms
        key = (rules, budget)
        errors = entry.validated.get(key)
        if errors is not None:
            return errors
        refused = document_budget.over_budget(entry.node, budget)
        if refused is not None:
            errors = [refused]
        else:
            self.validations += 1
            try:
                errors = validation_deadline.within(
                    cap_ms / 1000,
                    lambda extra: validate(
                        schema,
                        entry.node,
                        (*rules, *STRAWBERRY_RULES, *extra),
                        hide_suggestions=True,
                    ),
                )
            except validation_deadline.DeadlineExceeded:
                return [validation_deadline.timeout_error(cap_ms / 1000)]
            for error in errors:  # graphql-core's own bail-outs (too deep, too many errors)
                if isinstance(error, ValidationAbortedError) and not error.extensions:
                    error.extensions = {"code": ABORTED}
        entry.validated[key] = errors
        return errors


DOCUMENTS = DocumentCache()
_ENTRY = "_clipforge_document"  # the execution context's attribute holding its entry


def current(execution_context: Any) -> Document | None:
    """The cache entry of this operation's document, if it was parsed through the cache."""
    entry = getattr(execution_context, _ENTRY, None)
    return entry if isinstance(entry, Document) else None


class CachedDocuments(SchemaExtension):
    """Parses through the cache and validates once per document and rule set.

    A syntax error (the token limit included) is left to Strawberry's own parse, which
    reports it the usual way (and ErrorPolish codes the token limit's error)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            max_tokens = context.parse_options.get("max_tokens") or 0
            try:
                entry = DOCUMENTS.get(context.query, max_tokens)
            except GraphQLError:
                entry = None
            if entry is not None:
                context.graphql_document = entry.node
                setattr(context, _ENTRY, entry)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = current(context)
        if entry is not None and context.pre_execution_errors is None:
            errors = DOCUMENTS.validate(context.schema._schema, entry, context.validation_rules)
            context.pre_execution_errors = list(errors)  # a copy: the cached list is shared
        yield
