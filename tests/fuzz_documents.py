"""Random GraphQL requests made from the schema itself, for the fuzz test.

Each request picks a root field, gives its arguments values (inline or as variables) that are
valid, nearly valid or plainly wrong (bad ids and cursors, NUL characters, out-of-range
numbers, unknown enum values, missing or extra input fields, values of the wrong type), and
selects a random part of what it returns. A few documents are broken on purpose (cut short,
an unknown fragment, an unknown field). Everything is drawn from one seeded Random, so a
failure is reproduced by its seed and case number.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

# Root fields left out: they end the session the rest of the run uses.
SKIPPED = frozenset({"logOut"})
MAX_DEPTH = 3

NASTY_STRINGS = [
    "",
    "a",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "é" * 3,
    "🎬",
    "x" * 5000,
    "'; DROP TABLE users; --",
    "../../etc/passwd",
    "%s%n",
    "null",
    "<script>",
    "1.5",
    "-1",
    "2147483648",
    "abc",
    base64.urlsafe_b64encode(b"abc").decode(),
    base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|not-a-uuid").decode(),
    base64.urlsafe_b64encode(b"1|2|3").decode(),
    "%%%",
]
NASTY_INTS = [0, 1, -1, 5, 20, 100, 101, 2**31 - 1, 2**31, -(2**31) - 1, 2**53, 10**30]
NASTY_FLOATS = [0.0, -0.0, 1.5, -1.0, 1e308, 1e-308, 2.5e9]


@dataclass
class Request:
    query: str
    variables: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}

    def describe(self) -> str:
        return json.dumps(self.body(), ensure_ascii=True)[:2000]


class Fuzzer:
    """Draws requests against `schema`; `ids` are global ids of real objects (by type name)."""

    def __init__(self, schema: GraphQLSchema, seed: int, ids: dict[str, list[str]]) -> None:
        self.schema = schema
        self.rng = random.Random(seed)
        self.ids = ids
        self.variables: dict[str, Any] = {}
        self.definitions: list[str] = []

    # ---------------------------------------------------------------- values
    def _id(self) -> str:
        pool = [i for ids in self.ids.values() for i in ids]
        choice = self.rng.random()
        if pool and choice < 0.5:
            return self.rng.choice(pool)
        if choice < 0.7:
            kind = self.rng.choice(["Upload", "Clip", "User", "Export", "Nope"])
            pk = self.rng.choice(["00000000-0000-0000-0000-000000000000", "abc", "1", ""])
            return base64.b64encode(f"{kind}:{pk}".encode()).decode()
        return self.rng.choice(NASTY_STRINGS)

    def _scalar(self, scalar: GraphQLScalarType) -> Any:
        name = scalar.name
        if self.rng.random() < 0.1:  # the wrong type altogether
            return self.rng.choice([True, 3, "text", [1], {"a": 1}, 1.5])
        if name == "ID":
            return self._id()
        if name == "String":
            return self.rng.choice(NASTY_STRINGS)
        if name == "Int":
            return self.rng.choice(NASTY_INTS)
        if name == "Float":
            return self.rng.choice([*NASTY_FLOATS, *NASTY_INTS[:6]])
        if name == "Boolean":
            return self.rng.random() < 0.5
        if name == "DateTime":
            return self.rng.choice(["2026-01-01T00:00:00+00:00", "yesterday", "9999-99-99", ""])
        return self.rng.choice(NASTY_STRINGS)

    def value(self, kind: GraphQLInputType, depth: int = 0) -> Any:
        """A Python value for `kind` (sometimes a wrong one)."""
        if isinstance(kind, GraphQLNonNull):
            if self.rng.random() < 0.03:
                return None
            return self.value(kind.of_type, depth)
        if self.rng.random() < 0.1:
            return None
        if isinstance(kind, GraphQLList):
            if self.rng.random() < 0.1:
                return self.value(kind.of_type, depth + 1)  # a lone item where a list goes
            return [self.value(kind.of_type, depth + 1) for _ in range(self.rng.randint(0, 3))]
        if isinstance(kind, GraphQLEnumType):
            names = list(kind.values)
            return self.rng.choice([*names, *names, "NOT_A_VALUE", "lowercase"])
        if isinstance(kind, GraphQLInputObjectType):
            if depth > 4:
                return {}
            out: dict[str, Any] = {}
            for name, input_field in kind.fields.items():
                required = isinstance(input_field.type, GraphQLNonNull)
                if required and self.rng.random() < 0.95 or self.rng.random() < 0.5:
                    out[name] = self.value(input_field.type, depth + 1)
            if self.rng.random() < 0.05:
                out["unknownField"] = 1
            return out
        assert isinstance(kind, GraphQLScalarType)
        return self._scalar(kind)

    def literal(self, value: Any) -> str:
        """The GraphQL literal of a Python value (enum-looking strings stay strings)."""
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return json.dumps(value)
        if isinstance(value, str):
            return json.dumps(value)
        if isinstance(value, list):
            return "[" + ", ".join(self.literal(v) for v in value) + "]"
        return "{" + ", ".join(f"{k}: {self.literal(v)}" for k, v in value.items()) + "}"

    def _enum_literal(self, kind: GraphQLInputType, value: Any) -> str:
        named = get_named_type(kind)
        if isinstance(named, GraphQLEnumType) and isinstance(value, str) and value.isidentifier():
            return value
        return self.literal(value)

    def arguments(self, definition: GraphQLField) -> str:
        parts = []
        for name, arg in definition.args.items():
            required = isinstance(arg.type, GraphQLNonNull)
            if not required and self.rng.random() < 0.4:
                continue
            value = self.value(arg.type)
            if self.rng.random() < 0.5:
                var = f"v{len(self.variables)}"
                self.variables[var] = value
                self.definitions.append(f"${var}: {arg.type}")
                parts.append(f"{name}: ${var}")
            else:
                parts.append(f"{name}: {self._enum_literal(arg.type, value)}")
        return f"({', '.join(parts)})" if parts else ""

    # ------------------------------------------------------------ selections
    def selection(self, kind: GraphQLOutputType, depth: int) -> str:
        named = get_named_type(kind)
        if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            return ""
        if depth >= MAX_DEPTH:
            return "{ __typename }"
        if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
            possible = self.schema.get_possible_types(named)
            pick = self.rng.sample(list(possible), k=min(2, len(possible)))
            inner = " ".join(f"... on {t.name} {self.selection(t, depth + 1)}" for t in pick)
            return "{ __typename " + inner + " }"
        assert isinstance(named, GraphQLObjectType)
        names = list(named.fields)
        chosen = self.rng.sample(names, k=min(len(names), self.rng.randint(1, 4)))
        if "code" in names and "code" not in chosen:  # errors are always asked for their code
            chosen.append("code")
        fields = []
        for name in chosen:
            definition = named.fields[name]
            sub = self.selection(definition.type, depth + 1)
            fields.append(f"{name}{self.arguments(definition)} {sub}".strip())
        return "{ " + " ".join(fields) + " }"

    # -------------------------------------------------------------- requests
    def request(self) -> Request:
        self.variables, self.definitions = {}, []
        root = self.schema.mutation_type if self.rng.random() < 0.4 else self.schema.query_type
        assert root is not None
        names = [n for n in root.fields if n not in SKIPPED]
        name = self.rng.choice(names)
        definition = root.fields[name]
        body = f"{name}{self.arguments(definition)} {self.selection(definition.type, 1)}".strip()
        operation = "mutation" if root is self.schema.mutation_type else "query"
        header = f"({', '.join(self.definitions)})" if self.definitions else ""
        query = f"{operation} Fuzz{header} {{ {body} }}"
        roll = self.rng.random()
        if roll < 0.03:
            query = query[: self.rng.randint(1, len(query) - 1)]  # cut short
        elif roll < 0.06:
            query = query.replace("{ ", "{ ...Missing ", 1)
        elif roll < 0.08:
            query = query.replace("{ ", "{ notAField ", 1)
        elif roll < 0.10 and self.variables:
            self.variables.pop(self.rng.choice(list(self.variables)))  # a variable left out
        return Request(query, dict(self.variables))
