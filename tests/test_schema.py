"""The committed SDL matches the code, and every client operation validates against it."""

from pathlib import Path

from graphql import build_schema, parse, validate

from graphql_api.schema import schema_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema_sdl(), "schema.graphql drifted: run `clipforge export-schema`"


def test_client_operations_validate() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    document = parse((ROOT / "tests/contract/operations.graphql").read_text())
    errors = validate(schema, document)
    assert errors == [], [e.message for e in errors]
    operations = [d for d in document.definitions if d.kind == "operation_definition"]
    assert len(operations) >= 23
