"""Operations test fixtures: child processes that are always stopped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ops.processes import Proc


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Append every Proc a test starts; each is stopped (if still running) afterwards."""
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()
