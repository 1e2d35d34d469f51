"""Sampling profiles of the running api under load (py-spy), summarised for the report.

py-spy attaches to the uvicorn process from outside, so the profile covers everything a
request goes through (uvicorn, middleware, Strawberry, Tortoise, asyncpg, Redis). Samples
are attributed to the package of the innermost frame ("self time by package") and to the
innermost function ("top functions").
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")
REPO_PACKAGES = ("graphql_api", "resolvers", "core", "orm", "jobs", "bench", "cli")


def available() -> bool:
    return shutil.which("py-spy") is not None or Path(_venv_bin("py-spy")).exists()


def _venv_bin(name: str) -> str:
    import sys

    return str(Path(sys.executable).parent / name)


async def record(pid: int, seconds: float, out: Path) -> bool:
    exe = shutil.which("py-spy") or _venv_bin("py-spy")
    proc = await asyncio.create_subprocess_exec(
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await proc.communicate()
    return proc.returncode == 0


def package(path: str) -> str:
    """py-spy names files by module path (graphql/execution/executor.py): its first part."""
    if not path.startswith("/"):
        return path.split("/", 1)[0].removesuffix(".py")
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    parts = Path(path).parts
    for i, part in enumerate(parts):
        if part in REPO_PACKAGES and i + 1 < len(parts):
            return part
    if "/lib/python3" in path:
        return "stdlib:" + Path(path).stem
    return Path(path).stem


def summarize(raw: Path, top: int = 12) -> dict[str, Any]:
    by_package: Counter[str] = Counter()
    by_func: Counter[str] = Counter()
    total = 0
    idle = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        leaf = stack.split(";")[-1]
        m = FRAME.match(leaf)
        func, file = (m["func"], m["file"]) if m else (leaf, "?")
        total += count
        if "select" in func and ("selectors" in file or "epoll" in func):
            idle += count
            continue
        pkg = package(file)
        by_package[pkg] += count
        by_func[f"{func} ({pkg})"] += count
    busy = max(1, total - idle)
    return {
        "samples": total,
        "idle_pct": round(100 * idle / max(1, total), 1),
        "by_package_pct": {k: round(100 * v / busy, 1) for k, v in by_package.most_common(top)},
        "top_functions_pct": {k: round(100 * v / busy, 1) for k, v in by_func.most_common(top)},
    }
