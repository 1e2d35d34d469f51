"""The export benchmark runs end to end at tiny sizes and reports well-formed figures.

It runs in a subprocess like the other benchmarks; no figure is compared with a time.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def test_export_bench_reports_every_mode(tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    argv = [sys.executable, "-m", "bench.export_bench", "--quick", "--json-out", str(out)]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    det = results["detectors"]
    assert det["hog0"]["astronaut_found"] >= 1 and number(det["hog0"]["astronaut_512_ms"])
    hits, total = map(int, det["hog0"]["lfw_100px_recall"].split("/"))
    assert total == 20 and hits >= 12
    ex = results["exports"]
    assert {m: r["reframe_used"] for m, r in ex["modes"].items()} == {
        "CENTER": "CENTER",
        "SPEAKER": "SPEAKER",
        "SPLIT": "SPLIT",
    }
    assert all(number(r["per_clip_second"]) for r in ex["modes"].values())
    assert number(ex["speaker_over_center"]) and number(ex["analysis_per_clip_second"])
