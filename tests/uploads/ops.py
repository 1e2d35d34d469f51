"""The contract's upload operations and small helpers to drive them like a client."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from arq.jobs import Job

from jobs.schedule import get_pool
from jobs.serialization import deserialize

ERRORS = "errors { code field message }"

CREATE = f"""
mutation CreateUpload($input: CreateUploadInput!) {{
  createUpload(input: $input) {{
    upload {{ id filename status }}
    target {{ url method headers {{ name value }} expiresAt }}
    {ERRORS}
  }}
}}"""

CREATE_MULTIPART = f"""
mutation($input: CreateMultipartUploadInput!) {{
  createMultipartUpload(input: $input) {{
    upload {{ id status }}
    target {{ method partSizeBytes expiresAt parts {{ partNumber url }} }}
    {ERRORS}
  }}
}}"""

COMPLETE = f"""
mutation CompleteUpload($id: ID!) {{
  completeUpload(id: $id) {{ upload {{ id status durationSeconds }} {ERRORS} }}
}}"""

COMPLETE_MULTIPART = f"""
mutation($input: CompleteMultipartUploadInput!) {{
  completeMultipartUpload(input: $input) {{ upload {{ id status durationSeconds }} {ERRORS} }}
}}"""

RETRY = f"""
mutation RetryUpload($id: ID!) {{ retryUpload(id: $id) {{ upload {{ id status }} {ERRORS} }} }}"""

DELETE = f"""
mutation DeleteUpload($id: ID!) {{ deleteUpload(id: $id) {{ deletedId {ERRORS} }} }}"""

DETAIL = """
query UploadDetail($id: ID!) { upload(id: $id) { id filename status durationSeconds error } }"""


def upload_pk(global_id: str) -> uuid.UUID:
    from graphql_api.common.relay import from_global_id

    return uuid.UUID(from_global_id(global_id)[1])


async def create(
    gql: Any,
    token: str,
    *,
    size: int,
    filename: str = "talk.mp4",
    content_type: str = "video/mp4",
) -> dict[str, Any]:
    body = await gql(
        CREATE,
        {"input": {"filename": filename, "contentType": content_type, "sizeBytes": size}},
        token=token,
    )
    payload: dict[str, Any] = body["data"]["createUpload"]
    return payload


async def put(client: Any, target: dict[str, Any], data: bytes) -> Any:
    """Send the bytes exactly as the target says (method, URL, headers)."""
    headers = {h["name"]: h["value"] for h in target["headers"]}
    return await client.request(target["method"], target["url"], content=data, headers=headers)


async def create_and_put(gql: Any, client: Any, token: str, path: Path, **kw: Any) -> str:
    data = await asyncio.to_thread(path.read_bytes)
    created = await create(gql, token, size=kw.pop("size", len(data)), **kw)
    assert created["errors"] == [], created
    resp = await put(client, created["target"], data)
    assert resp.status_code == 200, resp.text
    return str(created["upload"]["id"])


async def complete(gql: Any, token: str, upload_id: str) -> dict[str, Any]:
    body = await gql(COMPLETE, {"id": upload_id}, token=token)
    payload: dict[str, Any] = body["data"]["completeUpload"]
    return payload


async def queued_job(job_id: str) -> Any:
    """The arq job definition waiting in Redis under ``job_id`` (None if there is none)."""
    return await Job(job_id, await get_pool(), _deserializer=deserialize).info()
