"""A wall-clock cap on validating one document.

The expansion budget stops fragment bombs, but some rules are quadratic within one
selection set (graphql-core's OverlappingFieldsCanBeMerged compares every pair of
fields: 380 `me { id }` selections, under the token limit, take half a second). Those
loops run inside a single visitor call, so a check between nodes cannot interrupt them.
A real-time interval timer can: SIGALRM's handler raises in the thread that validates,
which is the event loop's thread in the api (validation is synchronous there). Off the
main thread (no signals there) the cap is checked between visited nodes only.

A signal handler's exception is lost when it lands inside a weakref or GC callback (Python
prints it as "ignored"), so the handler rings again a few ms later while validation still
runs, and every visited node checks the clock too.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLError, ValidationContext, ValidationRule

T = TypeVar("T")
CODE = "VALIDATION_TIMEOUT"
RING_AGAIN_S = 0.005  # the next alarm, should this one's exception be swallowed


class DeadlineExceeded(BaseException):
    """BaseException, so no `except Exception` inside graphql-core swallows it."""


_armed = False  # the handler raises only while a validation runs under the timer
_installed = False


def _on_alarm(signum: int, frame: Any) -> None:
    if _armed:
        signal.setitimer(signal.ITIMER_REAL, RING_AGAIN_S)
        raise DeadlineExceeded


def _install() -> bool:
    """True on the main thread (the only one signals reach), with the SIGALRM handler
    installed there once."""
    global _installed
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        return False
    if _installed:
        return True
    signal.signal(signal.SIGALRM, _on_alarm)
    _installed = True
    return True


class _NodeDeadline(ValidationRule):
    """Checks the clock on every visited node: the cap off the main thread, and the second
    line under the timer."""

    deadline = 0.0

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)

    def enter(self, *_: Any) -> None:
        if time.perf_counter() > self.deadline:
            raise DeadlineExceeded


def timeout_error(seconds: float) -> GraphQLError:
    return GraphQLError(
        f"Validating this document took longer than {seconds * 1000:.0f} ms. "
        "Send a simpler document.",
        extensions={"code": CODE},
    )


def within(seconds: float, validate: Callable[[tuple[type[ValidationRule], ...]], T]) -> T:
    """`validate(extra_rules)` with at most `seconds` of wall-clock time, else
    DeadlineExceeded. `extra_rules` holds the rule that checks the clock between nodes."""
    global _armed
    if seconds <= 0:
        return validate(())
    rule = type("NodeDeadline", (_NodeDeadline,), {"deadline": time.perf_counter() + seconds})
    if not _install():
        return validate((rule,))
    _armed = True
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        return validate((rule,))
    finally:
        _armed = False  # first: an alarm ringing now does nothing
        signal.setitimer(signal.ITIMER_REAL, 0)
