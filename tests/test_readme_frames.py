"""The README's export stills exist, are small PNGs, and come from the script that makes them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 100_000


def test_every_still_the_readme_shows_is_a_small_png() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"\]\((docs/exports/[\w.-]+\.png)\)", readme)
    names = {Path(p).stem for p in shown}
    assert {"center", "speaker", "split", "style-karaoke", "style-bold-pop"} <= names
    for path in shown:
        data = (ROOT / path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        assert len(data) < MAX_BYTES, (path, len(data))
    script = (ROOT / "scripts" / "readme_frames.py").read_text()
    assert all(f'"{name}"' in script for name in names - {"source"})
