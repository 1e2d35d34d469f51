"""The api may use the guard and the webhook helpers without loading worker or media code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import core.netguard, core.webhooks, core.outbound, core.global_ids
loaded = sorted(m for m in sys.modules if m.split('.')[0] in
                {'jobs', 'resolvers', 'graphql_api', 'orm', 'yt_dlp', 'faster_whisper'})
print(','.join(loaded))
"""


def test_the_shared_modules_load_nothing_from_the_worker_or_above() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    assert out.stdout.strip() == ""
