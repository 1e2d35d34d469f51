"""The benchmarks run end to end at tiny sizes and report well-formed figures.

They run in a subprocess (`python -m bench ... --quick --json-out`): the benchmark makes
its own database, settings and Tortoise connection, which must not replace this test
session's. No figure is compared with a time: only its shape is checked.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.servers.databases import with_database

REPO = Path(__file__).resolve().parents[2]


def number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


@pytest.fixture(scope="module")
def quick_results(service_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    env = {
        **os.environ,
        "BENCH_POSTGRES_URL": with_database(service_urls["database_url"], "postgres"),
        "BENCH_REDIS_URL": service_urls["redis_url"],
    }
    argv = [sys.executable, "-m", "bench", "api", "queue", "--quick", "--json-out", str(out)]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_machine_is_described(quick_results: Any) -> None:
    m = quick_results["machine"]
    assert m["cores"] >= 1 and m["memory_gb"] > 0
    assert m["versions"]["postgres"] and m["versions"]["redis"]


def test_api_figures_are_well_formed(quick_results: Any) -> None:
    api = quick_results["benchmarks"]["api"]
    assert api["available"], api.get("reason")
    assert set(api["queries"]) == {"Me", "Uploads", "UploadDetail"}
    for name, q in api["queries"].items():
        assert q["available"], (name, q.get("reason"))
        assert q["same_data_as_baseline"] is True, name
        assert q["same_data_as_strawberry"] is True, name
        for cell in q["cells"].values():
            for side in ("graphql", "strawberry", "baseline"):
                r = cell[side]
                assert r["errors"] == 0, (name, side, r["first_error"])
                assert r["requests"] > 0
                assert all(number(r[k]) for k in ("p50", "p95", "p99", "rps")), r
                assert r["p50"] <= r["p95"] <= r["p99"]
            assert number(cell["ratio_p50"]) and number(cell["ratio_p95"])
    for name in ("Me", "Uploads"):  # requests/s with --workers 1 and 2
        for workers in ("1", "2"):
            r = api["workers"][name][workers]
            assert r["errors"] == 0 and r["requests"] > 0 and number(r["rps"]), (name, workers)
    for app in ("clipforge", "bare strawberry"):
        cpu = api["cpu_ms_per_request"][app]
        assert all(number(cpu[q]) and cpu[q] > 0 for q in ("Me", "Uploads", "UploadDetail"))
    sql = api["sql"]
    for label in ("Me", "Uploads", "UploadDetail@10", "UploadDetail@50"):
        assert isinstance(sql[label]["queries"], int) and sql[label]["queries"] > 0, label
        assert sql[label]["error"] is None, sql[label]


def test_queue_figures_are_well_formed(quick_results: Any) -> None:
    q = quick_results["benchmarks"]["queue"]
    assert q["available"], q.get("reason")
    d = q["default"]
    assert d["pickup_ms"]["samples"] == 10
    assert all(number(d["pickup_ms"][k]) for k in ("p50", "p95", "p99"))
    t = d["throughput"]
    assert t["completed"] == t["jobs"] == 20
    assert number(t["total_seconds"]) and number(t["jobs_per_second"])
