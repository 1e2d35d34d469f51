"""The font families installed on this machine (fontconfig), to validate caption styles:
libass falls back silently to another font when a family is missing, so a style naming one
would render differently from what the user chose."""

from __future__ import annotations

import functools
import shutil
import subprocess


@functools.cache
def installed_families() -> frozenset[str]:
    """Every family name fontconfig knows (an entry may list several, comma-separated)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return frozenset()
    out = subprocess.run(
        [exe, ":", "family"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    return frozenset(
        name.strip().replace("\\-", "-") for line in out.splitlines() for name in line.split(",")
    ) - {""}


def find_family(name: str) -> str | None:
    """The installed family matching name (case-insensitive), or None."""
    wanted = name.strip().casefold()
    return next((f for f in sorted(installed_families()) if f.casefold() == wanted), None)


__all__ = ["find_family", "installed_families"]
