"""Query limits: depth, tokens, aliases, page size, cost; introspection switch; no suggestions.

Every limit is checked before any resolver runs, the same way over HTTP and both WebSocket
protocols, with a machine-readable `code`. The depth, alias and introspection rules are
validation rules built once per set of limit values (`limit_rules`), so they are the same
class objects from one request to the next and a document's validation can be cached
(graphql_api.documents); settings are still read per operation, so a limit changed at run
time takes effect at once. The cost depends on the variables (`first: $n`), so it is
computed per request after validation, memoized per document, operation and page sizes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
    visit,
)
from graphql.language import Visitor
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from core.config import get_settings
from graphql_api.documents import CachedDocuments, Document, current

DEFAULT_FIRST = 20
PAGE_ARGUMENTS = ("first", "limit")  # the arguments that size a page of a list field
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class _CodedContext:
    """A ValidationContext whose errors carry a code (the built-in limiters set none)."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def coded(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    class Coded(rule):  # type: ignore[misc, valid-type]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodedContext(context, code))

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


@functools.lru_cache(maxsize=32)
def limit_rules(
    max_depth: int, max_aliases: int, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    """QUERY_TOO_DEEP, TOO_MANY_ALIASES and INTROSPECTION_DISABLED as validation rules:
    the same class objects for the same values (a validation cache can then hit)."""
    rules = [
        coded(depth_validator(max_depth, None), "QUERY_TOO_DEEP"),
        coded(alias_validator(max_aliases), "TOO_MANY_ALIASES"),
    ]
    if not introspection:
        rules.append(coded(NoSchemaIntrospectionCustomRule, "INTROSPECTION_DISABLED"))
    return tuple(rules)


def current_rules() -> tuple[type[ASTValidationRule], ...]:
    s = get_settings()
    return limit_rules(s.max_query_depth, s.max_aliases, s.introspection_enabled)


class QueryLimits(SchemaExtension):
    """Adds the depth, alias and introspection rules of the current settings."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *current_rules())
        yield


class TokenLimit(MaxTokensLimiter):
    """The parser stops after `max_query_tokens` tokens (TOO_MANY_TOKENS, see ErrorPolish)."""

    def __init__(self) -> None:
        super().__init__(max_token_count=get_settings().max_query_tokens)


# ---------------------------------------------------------------- cost and page size


class CostAnalysis:
    """A field costs 1; a paginated field (one with `first`, or `limit` for an offset page)
    multiplies its subtree by that argument (else its default, else 20). Also checks it
    against the page limit. Each fragment's cost is computed once (a fragment spread twice per
    level no longer doubles the work per level)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.max_page_size = max_page_size
        self.page_errors: list[GraphQLError] = []
        self._costs: dict[str, int] = {}
        self._open: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self.selections(operation.selection_set, root) if root else 0

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                if target is not None:
                    total += self.selections(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value)
        return total

    def spread(self, name: str) -> int:
        known = self._costs.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in self._open:
            return 0  # unknown fragments and cycles are validation errors
        target = self.schema.get_type(fragment.type_condition.name.value)
        if target is None:
            return 0
        self._open.add(name)
        cost = self.selections(fragment.selection_set, target)
        self._open.discard(name)
        self._costs[name] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        if name == "__schema":
            definition = SchemaMetaFieldDef
        elif name == "__type":
            definition = TypeMetaFieldDef
        elif is_object_type(parent) or is_interface_type(parent):
            found = parent.fields.get(name)
            if found is None:
                return 0  # validation reports unknown fields
            definition = found
        else:
            return 0
        child = 0
        if node.selection_set is not None:
            child = self.selections(node.selection_set, get_named_type(definition.type))
        page = next((a for a in PAGE_ARGUMENTS if a in definition.args), None)
        if page is None:
            return 1 + child
        return 1 + self.first(node, definition.args[page].default_value, page) * child

    def first(self, node: FieldNode, default: Any, page: str = "first") -> int:
        value: Any = None
        for argument in node.arguments or ():
            if argument.name.value != page:
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            elif isinstance(argument.value, NullValueNode):
                value = None
        if not isinstance(value, int) or isinstance(value, bool):
            value = default if isinstance(default, int) else DEFAULT_FIRST
        if value < 0 or value > self.max_page_size:
            self.page_errors.append(
                GraphQLError(
                    f"{page} must be between 0 and {self.max_page_size}.",
                    [node],
                    extensions={"code": "INVALID_PAGE_SIZE", "field": page},
                )
            )
            return max(0, value)
        return value


def _first_variables(entry: Document) -> tuple[str, ...]:
    """Names of the variables passed as `first` anywhere in the document (memoized)."""
    names = entry.memo.get("first_variables")
    if names is None:
        found: set[str] = set()

        class Collect(Visitor):
            def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
                if node.name.value == "first" and isinstance(node.value, VariableNode):
                    found.add(node.value.name.value)

        visit(entry.node, Collect())
        names = entry.memo["first_variables"] = tuple(sorted(found))
    return tuple(names)


def analyse_cost(
    schema: GraphQLSchema,
    entry: Document,
    operation_name: str | None,
    variables: Mapping[str, Any],
    max_page_size: int,
) -> tuple[int, list[GraphQLError]]:
    """(cost, page-size errors) of the chosen operation; memoized per document, operation,
    page-size variables and limit."""
    key: Any = None
    try:
        pages = tuple(variables.get(n) for n in _first_variables(entry))
        key = ("cost", operation_name, pages, max_page_size)
        hash(key)
    except TypeError:  # an unhashable value where a page size goes: not memoized
        key = None
    if key is not None and key in entry.memo:
        cost, errors = entry.memo[key]
        return cost, list(errors)
    document = entry.node
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    chosen = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    analysis = CostAnalysis(schema, fragments, variables, max_page_size)
    cost = sum(analysis.operation(op) for op in chosen[:1])
    if key is not None:
        if len(entry.memo) > 64:  # bounded: variables are chosen by the client
            entry.memo = {"first_variables": entry.memo.get("first_variables")}
        entry.memo[key] = (cost, tuple(analysis.page_errors))
    return cost, analysis.page_errors


class CostLimit(SchemaExtension):
    """QUERY_TOO_COSTLY above `max_query_cost`; the cost is reported in `extensions.cost`.

    Runs once the document is valid (after graphql_api.documents.CachedDocuments, which
    must come first in the extension list); its errors are validation errors."""

    def __init__(self) -> None:
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = current(context)
        if entry is not None and context.pre_execution_errors == []:
            settings = get_settings()
            cost, errors = analyse_cost(
                context.schema._schema,
                entry,
                context.operation_name,
                context.variables or {},
                settings.max_page_size,
            )
            self.cost = cost
            if cost > settings.max_query_cost:
                errors.append(
                    GraphQLError(
                        f"This query would cost {cost}; the limit is "
                        f"{settings.max_query_cost}. Ask for fewer items per page.",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "cost": cost,
                            "maxCost": settings.max_query_cost,
                        },
                    )
                )
            if errors:
                context.pre_execution_errors = errors
        yield

    def get_results(self) -> dict[str, Any]:
        if not self.cost:  # a free operation (`{ __typename }`) has nothing to report
            return {}
        return {"cost": {"requested": self.cost, "limit": get_settings().max_query_cost}}


# ---------------------------------------------------------------- error polish


class ErrorPolish(SchemaExtension):
    """No schema hints in errors ("Did you mean ...?"), and a code on the token limit."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or [])
        errors += [e for e in self.execution_context.pre_execution_errors or [] if e not in errors]
        for error in errors:
            if "Did you mean" in error.message:
                error.message = _SUGGESTION.sub("", error.message)
            if isinstance(error, GraphQLSyntaxError) and "tokens" in error.message:
                error.extensions = {**(error.extensions or {}), "code": "TOO_MANY_TOKENS"}


def limit_extensions() -> list[type[SchemaExtension]]:
    """In order: the polish wraps everything; the parser limit; the document cache (parse,
    expansion budget, validation with the limit rules); the cost, once the document is valid.
    """
    return [ErrorPolish, TokenLimit, QueryLimits, CachedDocuments, CostLimit]


__all__ = [
    "CostAnalysis",
    "CostLimit",
    "ErrorPolish",
    "QueryLimits",
    "TokenLimit",
    "analyse_cost",
    "coded",
    "current_rules",
    "limit_extensions",
    "limit_rules",
]
