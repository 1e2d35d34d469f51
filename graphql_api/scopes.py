"""What a partner API key may reach: an allow-list of root fields, each with its scope.

Resolvers check scopes too (`require(viewer, scope)`); this list is the default-deny net
under them: a root field missing here (account, credits, admin, or a field added later) is
refused to every API key before anything runs, with code FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension

from resolvers.viewer import Viewer

READ = "READ_CLIPS"
WRITE = "WRITE_UPLOADS"

API_KEY_ROOT_FIELDS: dict[str, dict[str, str]] = {
    "Query": {"uploads": READ, "upload": READ, "clips": READ, "clip": READ, "node": READ},
    "Mutation": {
        "createUpload": WRITE,
        "createMultipartUpload": WRITE,
        "completeUpload": WRITE,
        "completeMultipartUpload": WRITE,
        "retryUpload": WRITE,
        "deleteUpload": WRITE,
        "regenerateCaptions": WRITE,
        "exportClip": WRITE,
    },
    "Subscription": {"pipelineEvents": READ},
}


def api_key_rule(scopes: frozenset[str]) -> type[ValidationRule]:
    class ApiKeyScopes(ValidationRule):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = self.context.get_parent_type()
            schema = self.context.schema
            roots = {
                t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t
            }
            name = node.name.value
            if parent not in roots or name.startswith("__"):
                return
            needed = API_KEY_ROOT_FIELDS.get(parent.name, {}).get(name)  # type: ignore[union-attr]
            if needed is None:
                message = f"API keys cannot use {name}; sign in as the user."
            elif needed not in scopes:
                message = f"This API key lacks the {needed} scope ({name})."
            else:
                return
            self.report_error(GraphQLError(message, [node], extensions={"code": "FORBIDDEN"}))

    return ApiKeyScopes


class ApiKeyScopeGuard(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        viewer = getattr(self.execution_context.context, "viewer", None)
        if isinstance(viewer, Viewer) and viewer.scopes is not None:
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, api_key_rule(viewer.scopes))
        yield
