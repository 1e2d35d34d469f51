"""Who may call each root field: anonymous, a partner key with some scopes, a user session.

Every root field of the schema is classified below and probed with generated arguments, so a
field added later without an access check (or without a place in this table) fails here.
Refusals may be a coded GraphQL error (queries) or a payload error (mutations); a stub that
still answers NOT_IMPLEMENTED does nothing and also passes.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from graphql_api.schema import schema
from tests.accounts.test_api_keys import create_key
from tests.factories import gid

PUBLIC = "public"  # anyone, signed in or not
SESSION = "session"  # a signed-in user; never an API key
ADMIN = "admin"  # an admin's session
READ = "READ_CLIPS"
WRITE = "WRITE_UPLOADS"
MANAGE = "MANAGE_WEBHOOKS"  # a session, or a key with MANAGE_WEBHOOKS

POLICY: dict[str, dict[str, str]] = {
    "Query": {
        "node": READ,
        "me": MANAGE,
        "creditPacks": PUBLIC,
        "uploads": READ,
        "upload": READ,
        "clip": READ,
        "clips": READ,
        "searchMoments": READ,
        "captionStyles": READ,
        "queueStats": ADMIN,
        "deadLetters": ADMIN,
        "recentFailures": ADMIN,
    },
    "Mutation": {
        "signUp": PUBLIC,
        "logIn": PUBLIC,
        "refreshSession": PUBLIC,
        "logOut": SESSION,
        "createApiKey": SESSION,
        "revokeApiKey": SESSION,
        "createCheckoutSession": SESSION,
        "createUpload": WRITE,
        "createMultipartUpload": WRITE,
        "completeUpload": WRITE,
        "completeMultipartUpload": WRITE,
        "retryUpload": WRITE,
        "deleteUpload": WRITE,
        "regenerateCaptions": WRITE,
        "reclipUpload": WRITE,
        "createClip": WRITE,
        "updateClip": WRITE,
        "deleteClip": WRITE,
        "correctTranscript": WRITE,
        "exportClip": WRITE,
        "createCaptionStyle": WRITE,
        "importUpload": WRITE,
        "createWebhook": MANAGE,
        "deleteWebhook": MANAGE,
        "retryDeadLetter": ADMIN,
        "purgeDeadLetters": ADMIN,
    },
}

GQL_SCHEMA = schema._schema


def root_fields() -> list[tuple[str, str, GraphQLField]]:
    found = []
    for root in (GQL_SCHEMA.query_type, GQL_SCHEMA.mutation_type):
        assert root is not None
        found += [(root.name, name, field) for name, field in root.fields.items()]
    return found


ID_KINDS = {
    "revokeApiKey": "ApiKey",
    "retryDeadLetter": "DeadLetter",
    "clipId": "Clip",
    "updateClip": "Clip",
    "deleteClip": "Clip",
    "deleteWebhook": "Webhook",
}


def sample(type_: GraphQLInputType, arg: str, field: str) -> Any:
    """A well-typed value, so the probe reaches the resolver (and its access check)."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, arg, field)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type, arg, field)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: sample(f.type, name, field)
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull)
        }
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        return gid(ID_KINDS.get(arg, ID_KINDS.get(field, "Upload")), uuid.uuid4())
    return {
        "String": "probe",
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "DateTime": "2030-01-01T00:00:00+00:00",
    }[type_.name]


def probe(root: str, name: str, field: GraphQLField) -> tuple[str, dict[str, Any]]:
    required = {a: f for a, f in field.args.items() if isinstance(f.type, GraphQLNonNull)}
    params = ", ".join(f"${a}: {f.type}" for a, f in required.items())
    args = ", ".join(f"{a}: ${a}" for a in required)
    result = get_named_type(field.type)
    selection = "__typename"
    if isinstance(result, GraphQLObjectType) and "errors" in result.fields:
        selection = "__typename errors { code }"
    elif isinstance(result, GraphQLObjectType) and "edges" in result.fields:
        selection = "__typename edges { cursor }"
    operation = "query" if root == "Query" else "mutation"
    document = (
        f"{operation} Probe{f'({params})' if params else ''} "
        f"{{ {name}{f'({args})' if args else ''} {{ {selection} }} }}"
    )
    return document, {a: sample(f.type, a, name) for a, f in required.items()}


def answer_code(body: dict[str, Any], name: str) -> str | None:
    """The refusal code, whatever its shape; None when the field answered normally."""
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code"))
    value = (body.get("data") or {}).get(name)
    errors = value.get("errors") if isinstance(value, dict) else None
    return str(errors[0]["code"]) if errors else None


def test_every_root_field_is_classified() -> None:
    fields = {(root, name) for root, name, _ in root_fields()}
    classified = {(root, name) for root, names in POLICY.items() for name in names}
    assert fields - classified == set(), "classify new root fields in POLICY"


@pytest.mark.parametrize(("root", "name", "field"), root_fields(), ids=lambda v: str(v))
async def test_access_policy(gql: Any, make_user: Any, root: str, name: str, field: Any) -> None:
    rule = POLICY[root][name]
    document, variables = probe(root, name, field)
    _, session = await make_user()
    all_scopes = (await create_key(gql, session, [READ, WRITE]))["secret"]
    read_only = (await create_key(gql, session, [READ]))["secret"]
    write_only = (await create_key(gql, session, [WRITE]))["secret"]
    manager = (await create_key(gql, session, [MANAGE]))["secret"]

    async def code(token: str | None) -> str | None:
        body = await gql(document, variables, token=token, expect_errors=True)
        assert "Traceback" not in str(body)
        return answer_code(body, name)

    refused = {"NOT_IMPLEMENTED"}
    if rule != PUBLIC:
        assert await code(None) in refused | {"UNAUTHENTICATED"}, "anonymous"
    if rule in (SESSION, ADMIN):
        assert await code(all_scopes) in refused | {"FORBIDDEN"}, "API key"
    if rule == ADMIN:
        assert await code(session) in refused | {"FORBIDDEN"}, "non-admin session"
    if rule == READ:
        assert await code(write_only) in refused | {"FORBIDDEN"}, "key without READ_CLIPS"
    if rule == WRITE:
        assert await code(read_only) in refused | {"FORBIDDEN"}, "key without WRITE_UPLOADS"
    if rule == MANAGE:
        assert await code(all_scopes) in refused | {"FORBIDDEN"}, "key without MANAGE_WEBHOOKS"
        assert await code(manager) not in {"UNAUTHENTICATED", "FORBIDDEN"}, "MANAGE_WEBHOOKS key"
    if rule in (READ, WRITE, SESSION, MANAGE):  # the rightful caller is not refused
        assert await code(session) not in {"UNAUTHENTICATED", "FORBIDDEN"}, "session"
