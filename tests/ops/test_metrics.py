"""/metrics speaks the team's metric contract; requests and jobs log with their ids."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.logs import JsonFormatter
from jobs.errors import TransientError
from jobs.schedule import get_pool
from tests.deploy.metric_names import METRICS
from tests.ops.helpers import charged_upload, enqueue, make_task, overridden, run_burst

pytestmark = pytest.mark.usefixtures("db")


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def exposed_name(family: Any) -> str:
    return family.name + "_total" if family.type == "counter" else family.name


async def test_metrics_match_the_contract_names_types_and_labels(
    client: httpx.AsyncClient, redis: Any
) -> None:
    # Make every labelled metric have a sample: a request, a job, queue gauges.
    await client.post("/graphql", json={"query": "query Ping { __typename }"})
    _, upload = await charged_upload()

    async def clip(ctx: dict[str, Any], upload_id: str) -> None:
        if ctx["job_try"] == 1:
            raise TransientError("try again")

    with overridden(retry_delays={"clip": [0]}):
        await enqueue("clip", str(upload.id))
        await run_burst([make_task("clip", clip)])
    await (await get_pool()).enqueue_job("transcribe", "x")

    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    found = {exposed_name(f): f for f in families(resp.text).values()}
    ours = {name: f for name, f in found.items() if name.startswith("clipforge_")}
    assert set(ours) == set(METRICS)
    for name, metric in METRICS.items():
        family = ours[name]
        assert family.type == metric.type, name
        labels: set[str] = set()
        for sample in family.samples:
            labels |= set(sample.labels) - {"le"}
        if metric.labels:
            assert labels == metric.labels, name
        else:
            assert labels == set(), name

    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in _all(found)}
    assert samples[("clipforge_queue_depth", (("queue", "transcribe"),))] == 1
    assert samples[("clipforge_jobs_total", (("job", "clip"), ("outcome", "retry")))] >= 1
    assert samples[("clipforge_jobs_total", (("job", "clip"), ("outcome", "success")))] >= 1
    ping = (("operation", "Ping"), ("status", "ok"))
    assert samples[("clipforge_http_requests_total", ping)] >= 1
    assert samples[("clipforge_credit_minutes_charged_total", ())] >= 5


def _all(found: dict[str, Any]) -> list[Any]:
    return [s for f in found.values() for s in f.samples]


async def test_operation_names_and_status_labels(client: httpx.AsyncClient, redis: Any) -> None:
    def count(operation: str, status: str) -> float:
        from core.metrics import REGISTRY

        labels = {"operation": operation, "status": status}
        return REGISTRY.get_sample_value("clipforge_http_requests_total", labels) or 0.0

    before = count("Me", "error"), count("anonymous", "ok"), count("other", "ok")
    await client.post("/graphql", json={"query": "query Me { me { id } }"})  # UNAUTHENTICATED
    await client.post("/graphql", json={"query": "{ __typename }"})
    await client.post("/graphql", json={"query": "query " + "x" * 80 + " { __typename }"})
    assert count("Me", "error") == before[0] + 1
    assert count("anonymous", "ok") == before[1] + 1
    assert count("other", "ok") == before[2] + 1
    health = count("/healthz", "ok")
    await client.get("/healthz")
    assert count("/healthz", "ok") == health + 1
    missing = count("not_found", "error")
    await client.get("/no/such/page")
    assert count("not_found", "error") == missing + 1


class JsonLines(logging.Handler):
    """Formats each record as the api's stdout handler does: when it is emitted."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "httpx":  # the test's own client
            self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_lines() -> Any:
    handler = JsonLines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


async def test_request_id_header_and_log_lines(
    client: httpx.AsyncClient, json_lines: list[dict[str, Any]]
) -> None:
    resp = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})
    assert made.headers["x-request-id"] != "bad id\twith junk"
    assert len(made.headers["x-request-id"]) == 32

    json_lines.clear()
    query = "query Boom { queueStats { queue } }"
    await client.post("/graphql", json={"query": query}, headers={"X-Request-ID": "req-42"})
    lines = list(json_lines)
    assert "clipforge.access" in {line["logger"] for line in lines}
    assert [line for line in lines if line.get("request_id") != "req-42"] == []


async def test_job_log_lines_carry_the_job_id(redis: Any, json_lines: list[dict[str, Any]]) -> None:
    _, upload = await charged_upload()

    async def captions(ctx: dict[str, Any], upload_id: str) -> None:
        logging.getLogger("clipforge.test").info("writing captions")

    job = await enqueue("captions", str(upload.id))
    assert job is not None
    await run_burst([make_task("captions", captions)])
    lines = [line for line in json_lines if line["logger"].startswith("clipforge.")]
    assert {line["msg"] for line in lines} >= {"job started", "writing captions", "job finished"}
    assert all(line["job_id"] == job.job_id for line in lines), lines
