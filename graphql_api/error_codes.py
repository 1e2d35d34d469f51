"""Every error a client reads carries a code, and none carries an exception's raw text.

Called on each list of errors Strawberry reports (ClipforgeSchema.process_errors), before the
result is sent. Execution errors are coded where they arise (DomainError) or masked by
MaskInternalErrors; this covers what happens before execution:
- a syntax or validation error without a code: BAD_REQUEST;
- a variable the server cannot take (wrong type, missing, out of range): INVALID_INPUT with
  the variable's name as `field`;
- an unexpected exception while parsing or validating (a limit rule tripping over a document
  that is invalid anyway, e.g. `query { ...Missing }` once answered `'Missing'`): the
  document's real validation errors when it has some, else INTERNAL_SERVER_ERROR, logged.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, GraphQLSchema, VariableDefinitionNode, specified_rules, validate
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from core.errors import DomainError

log = logging.getLogger("clipforge.graphql")

BAD_REQUEST = "BAD_REQUEST"
INVALID_INPUT = "INVALID_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"
INTERNAL_MESSAGE = "Internal server error."


# Raised by Strawberry for requests that are wrong (no operation by that name, a query over
# legacy graphql-ws): its messages say so, they are client errors.
_CLIENT_FAULTS = (
    GraphQLError,
    DomainError,
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
    MissingQueryError,
)


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, _CLIENT_FAULTS)


def _variable(error: GraphQLError) -> str | None:
    for node in error.nodes or ():
        if isinstance(node, VariableDefinitionNode):
            return node.variable.name.value
    return None


def _with_code(error: GraphQLError, code: str, field: str | None = None) -> GraphQLError:
    extensions: dict[str, Any] = {**(error.extensions or {}), "code": code}
    if field is not None:
        extensions["field"] = field
    error.extensions = extensions
    return error


def _instead_of_crash(
    error: GraphQLError, schema: GraphQLSchema, context: Any
) -> list[GraphQLError]:
    """The errors to report for an exception raised before execution."""
    document = getattr(context, "graphql_document", None)
    if document is not None:
        try:
            found = validate(schema, document, specified_rules)
        except Exception:  # noqa: BLE001 - the mask below still applies
            found = []
        if found:
            log.warning("a validation rule failed on an invalid document: %r", error.original_error)
            return [_with_code(e, BAD_REQUEST) for e in found]
    log.error("unexpected error before execution", exc_info=error.original_error)
    return [GraphQLError(INTERNAL_MESSAGE, extensions={"code": INTERNAL})]


def code_errors(errors: list[GraphQLError], schema: GraphQLSchema, context: Any) -> None:
    """Give every pre-execution error a code, in place (the list is the one sent)."""
    coded: list[GraphQLError] = []
    for error in errors:
        if error.path is not None:  # execution: DomainError codes, MaskInternalErrors
            coded.append(error)
        elif _unexpected(error):
            coded.extend(_instead_of_crash(error, schema, context))
        elif (error.extensions or {}).get("code"):
            coded.append(error)
        elif (name := _variable(error)) is not None:
            coded.append(_with_code(error, INVALID_INPUT, name))
        else:
            coded.append(_with_code(error, BAD_REQUEST))
    unique: list[GraphQLError] = []
    for error in coded:  # several crashes of one document report its errors once
        if not any(e.message == error.message and e.locations == error.locations for e in unique):
            unique.append(error)
    errors[:] = unique
