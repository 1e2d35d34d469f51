"""The export benchmark runs end to end at tiny sizes, through the benchmarks' runner, and
its figures reach RESULTS.md's section and targets.

It runs in a subprocess like the other benchmarks; no figure is compared with a time.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.servers.databases import with_database

REPO = Path(__file__).resolve().parents[2]


def number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def test_export_bench_reports_every_mode(service_urls: dict[str, str], tmp_path: Path) -> None:
    from bench.report import render

    out = tmp_path / "export.json"
    env = {
        **os.environ,
        "BENCH_POSTGRES_URL": with_database(service_urls["database_url"], "postgres"),
        "BENCH_REDIS_URL": service_urls["redis_url"],
    }
    argv = [sys.executable, "-m", "bench", "export", "--quick", "--json-out", str(out)]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    bench = results["benchmarks"]["export"]
    assert bench["available"], bench
    det = bench["detectors"]
    assert det["hog0"]["astronaut_found"] >= 1 and number(det["hog0"]["astronaut_512_ms"])
    hits, total = map(int, det["hog0"]["lfw_100px_recall"].split("/"))
    assert total == 20 and hits >= 12
    ex = bench["exports"]
    assert {m: r["reframe_used"] for m, r in ex["modes"].items()} == {
        "CENTER": "CENTER",
        "SPEAKER": "SPEAKER",
        "SPLIT": "SPLIT",
    }
    assert all(number(r["per_clip_second"]) for r in ex["modes"].values())
    assert number(ex["speaker_over_center"]) and number(ex["analysis_per_clip_second"])
    report = render(results)
    assert "## 5. Exports" in report and f"{ex['speaker_over_center']:.2f}x" in report
    assert "export: SPEAKER / CENTER cost" in report
