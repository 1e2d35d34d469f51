"""Query limits: depth, tokens, aliases, page size, cost; introspection switch; no suggestions.

Every limit is a validation step, so an abusive document is refused before any resolver runs,
the same way over HTTP and both WebSocket protocols, with a machine-readable `code`. Settings
are read per operation (extensions are passed as classes), so they can change at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
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
    ValidationRule,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from core.config import get_settings

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


def _code_rules(extension: AddValidationRules, code: str) -> None:
    extension.validation_rules = [coded(r, code) for r in extension.validation_rules]


class DepthLimit(QueryDepthLimiter):
    """QUERY_TOO_DEEP beyond `max_query_depth` levels."""

    def __init__(self) -> None:
        super().__init__(max_depth=get_settings().max_query_depth)
        _code_rules(self, "QUERY_TOO_DEEP")


class AliasLimit(MaxAliasesLimiter):
    """TOO_MANY_ALIASES beyond `max_aliases` (aliases multiply work without adding depth)."""

    def __init__(self) -> None:
        super().__init__(max_alias_count=get_settings().max_aliases)
        _code_rules(self, "TOO_MANY_ALIASES")


class TokenLimit(MaxTokensLimiter):
    """The parser stops after `max_query_tokens` tokens (TOO_MANY_TOKENS, see ErrorPolish)."""

    def __init__(self) -> None:
        super().__init__(max_token_count=get_settings().max_query_tokens)


class IntrospectionSwitch(AddValidationRules):
    """`introspection=false` refuses __schema/__type (INTROSPECTION_DISABLED)."""

    def __init__(self) -> None:
        off: list[type[ASTValidationRule]] = [NoSchemaIntrospectionCustomRule]
        super().__init__([] if get_settings().introspection_enabled else off)
        _code_rules(self, "INTROSPECTION_DISABLED")


# ---------------------------------------------------------------- cost and page size


class CostAnalysis:
    """A field costs 1; a paginated field (one with `first`, or `limit` for an offset page)
    multiplies its subtree by that argument (else its default, else 20). Also checks it
    against the page limit."""

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

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self.selections(operation.selection_set, root, set()) if root else 0

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, seen: set[str]
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                if target is not None:
                    total += self.selections(selection.selection_set, target, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                target = (
                    self.schema.get_type(fragment.type_condition.name.value) if fragment else None
                )
                if fragment is not None and target is not None and name not in seen:
                    total += self.selections(fragment.selection_set, target, seen | {name})
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, seen: set[str]) -> int:
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
            child = self.selections(node.selection_set, get_named_type(definition.type), seen)
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


class CostLimit(SchemaExtension):
    """QUERY_TOO_COSTLY above `max_query_cost`; the cost is reported in `extensions.cost`."""

    def __init__(self) -> None:
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        settings = get_settings()
        variables = context.variables or {}
        extension = self

        class CostRule(ValidationRule):
            def __init__(self, validation: ValidationContext) -> None:
                super().__init__(validation)
                document = validation.document
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                operations = [
                    d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                ]
                chosen = [
                    op
                    for op in operations
                    if context.operation_name is None
                    or (op.name is not None and op.name.value == context.operation_name)
                ]
                analysis = CostAnalysis(
                    validation.schema, fragments, variables, settings.max_page_size
                )
                cost = sum(analysis.operation(op) for op in chosen[:1])
                extension.cost = cost
                for error in analysis.page_errors:
                    validation.report_error(error)
                if cost > settings.max_query_cost:
                    validation.report_error(
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

        context.validation_rules = (*context.validation_rules, CostRule)
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
    """In order: the polish wraps everything; the parser limit; the validation limits."""
    return [ErrorPolish, TokenLimit, DepthLimit, AliasLimit, IntrospectionSwitch, CostLimit]


__all__ = [
    "AliasLimit",
    "CostAnalysis",
    "CostLimit",
    "DepthLimit",
    "ErrorPolish",
    "IntrospectionSwitch",
    "TokenLimit",
    "coded",
    "limit_extensions",
]
