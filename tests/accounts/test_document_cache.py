"""Documents are parsed and validated once per process, and every limit still holds."""

from __future__ import annotations

import uuid
from typing import Any

from graphql_api.documents import DOCUMENTS
from graphql_api.limits import current_rules, limit_rules


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def test_limit_rules_are_the_same_objects_from_one_request_to_the_next() -> None:
    assert current_rules() is current_rules()
    assert limit_rules(12, 30, True) is limit_rules(12, 30, True)
    assert limit_rules(12, 30, True) != limit_rules(13, 30, True)


async def test_a_repeated_document_is_parsed_and_validated_once(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    document = f"query Probe{uuid.uuid4().hex} {{ me {{ id email }} }}"
    validations, misses = DOCUMENTS.validations, DOCUMENTS.misses
    for _ in range(5):
        assert (await gql(document, token=token))["data"]["me"]["id"]
    assert DOCUMENTS.misses == misses + 1
    assert DOCUMENTS.validations == validations + 1


async def test_a_changed_limit_applies_to_a_cached_document(
    gql: Any, make_user: Any, override_settings: Any
) -> None:
    _, token = await make_user()
    document = f"query Deep{uuid.uuid4().hex} {{ me {{ credits {{ minutesRemaining }} }} }}"
    assert (await gql(document, token=token))["data"]["me"]["credits"]
    override_settings(max_query_depth=1)
    assert codes(await gql(document, token=token, expect_errors=True)) == ["QUERY_TOO_DEEP"]
    override_settings(max_query_depth=12, max_aliases=0)
    aliased = f"query A{uuid.uuid4().hex} {{ who: me {{ id }} }}"
    assert codes(await gql(aliased, token=token, expect_errors=True)) == ["TOO_MANY_ALIASES"]


async def test_the_token_limit_keeps_its_code_behind_the_parse_cache(
    gql: Any, settings: Any, override_settings: Any
) -> None:
    flood = "{ " + " ".join("__typename" for _ in range(settings.max_query_tokens)) + " }"
    for _ in range(3):  # a refused document is never cached as parsed
        assert codes(await gql(flood, expect_errors=True)) == ["TOO_MANY_TOKENS"]
    fits = "{ " + " ".join("__typename" for _ in range(500)) + " }"
    for _ in range(2):
        assert (await gql(fits))["data"] == {"__typename": "Query"}
    # graphql-core gives up on 1,000 sibling fields of one name: a coded refusal too
    # (given the time to get there on a busy machine).
    override_settings(validation_timeout_ms=60_000)
    many = "{ " + " ".join("__typename" for _ in range(1000)) + " }"
    assert codes(await gql(many, expect_errors=True)) == ["VALIDATION_ABORTED"]


async def test_the_cost_follows_the_variables_of_each_request(gql: Any, make_user: Any) -> None:
    _, token = await make_user()
    document = "query Pages($n: Int) { uploads(first: $n) { edges { cursor } } }"
    assert (await gql(document, {"n": 3}, token=token))["extensions"]["cost"]["requested"] == 7
    assert (await gql(document, {"n": 10}, token=token))["extensions"]["cost"]["requested"] == 21
    refused = await gql(document, {"n": 101}, token=token, expect_errors=True)
    assert codes(refused) == ["INVALID_PAGE_SIZE"]
    assert (await gql(document, {"n": 3}, token=token))["extensions"]["cost"]["requested"] == 7


def test_the_cache_is_bounded_by_the_length_of_its_texts() -> None:
    from graphql_api.documents import DocumentCache

    cache = DocumentCache(maxsize=100, max_chars=1000)
    texts = [f"query Q{i} {{ __typename }}" + " " * 90 for i in range(50)]  # ~113 chars each
    for text in texts:
        cache.get(text, 2000)
    assert cache._chars <= 1000 and len(cache._entries) == 1000 // len(texts[0])
    assert cache.get(texts[-1], 2000) is cache.get(texts[-1], 2000)  # the newest stay
    big = "{ " + " ".join(["__typename"] * 20) + " }"  # over an eighth of the budget
    assert cache.get(big, 2000) is not cache.get(big, 2000)  # parsed, never kept
