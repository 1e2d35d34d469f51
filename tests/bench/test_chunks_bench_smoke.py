"""The chunked-transcription benchmark runs end to end at a tiny size (no time compared)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.databases import with_database

REPO = Path(__file__).resolve().parents[2]


def test_chunks_bench_reports_well_formed_figures(
    service_urls: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "chunks.json"
    env = {
        **os.environ,
        "BENCH_POSTGRES_URL": with_database(service_urls["database_url"], "postgres"),
        "BENCH_REDIS_URL": service_urls["redis_url"],
    }
    argv = [sys.executable, "-m", "bench.chunks_bench", "--minutes", "0.4"]
    argv += ["--chunk-seconds", "10", "--workers", "1", "--exports", "1", "--json-out", str(out)]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (result,) = json.loads(out.read_text())["runs"]
    assert result["workers"] == 1 and result["chunks"] >= 2
    assert result["seams_checked"] == result["chunks"] - 1
    assert result["seam_accuracy"] == pytest.approx(1.0)
    assert result["seconds_to_ready"] > 0 and result["peak_worker_rss_mb"][0] > 0
    assert len(result["export_start_delay_s"]) == 1 and result["words"] > 20
