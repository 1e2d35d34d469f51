"""The migrations describe the models exactly: `tortoise makemigrations` finds nothing to add.

Run on a copy of the packages the models live in, so a drift never writes into the tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    for package in ("core", "orm"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "tortoise"),
            "-c",
            "orm.database.TORTOISE_ORM",
            "makemigrations",
        ],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "No changes detected" in done.stdout, done.stdout + done.stderr
    assert sorted(p.name for p in (tmp_path / "orm" / "migrations").glob("0*.py")) == sorted(
        p.name for p in (ROOT / "orm" / "migrations").glob("0*.py")
    )
