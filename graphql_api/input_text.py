"""Text the database cannot store is refused where it enters: INVALID_INPUT, with the field.

PostgreSQL text holds no NUL character, and UTF-8 has no unpaired surrogate (JSON's
`"\\ud800"`): either one used to reach the database and come back as INTERNAL_SERVER_ERROR
(a NUL in createApiKey's name). String literals in the document are checked by a validation
rule (one class, so validation stays cacheable); variables by a walk over their values at the
start of each operation, over HTTP and both WebSocket protocols alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

CODE = "INVALID_INPUT"
MESSAGE = "Text may not contain NUL characters or unpaired surrogates."
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_field(value: Any, name: str) -> str | None:
    """The name of the innermost field holding unstorable text in a variable's value."""
    stack: list[tuple[Any, str]] = [(value, name)]
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return field
        elif isinstance(item, dict):
            stack.extend((v, k if isinstance(k, str) else field) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, field) for v in item)
    return None


class StorableStringLiterals(ValidationRule):
    """String literals of the document (argument and input object values)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.names: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if UNSTORABLE.search(node.value):
            field = self.names[-1] if self.names else None
            extensions = {"code": CODE, "field": field}
            self.report_error(GraphQLError(MESSAGE, node, extensions=extensions))


def _refusing(field: str) -> type[ValidationRule]:
    class UnstorableVariable(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            context.report_error(GraphQLError(MESSAGE, extensions={"code": CODE, "field": field}))

    return UnstorableVariable


class StorableText(SchemaExtension):
    """Adds the literal rule to every operation, and a refusal when a variable holds
    unstorable text."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        rules: list[type[ValidationRule]] = [StorableStringLiterals]
        for name, value in (context.variables or {}).items():
            field = unstorable_field(value, name)
            if field is not None:
                rules.append(_refusing(field))
                break
        context.validation_rules = (*context.validation_rules, *rules)
        yield
