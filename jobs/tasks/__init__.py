"""The worker's tasks, one module per pipeline stage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    name: str
    coroutine: Callable[..., Awaitable[Any]]
    max_tries: int
    timeout: int


TASKS: list[Task] = []
