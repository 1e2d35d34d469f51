"""A wall-clock cap on validating one document.

The expansion budget stops fragment bombs, but some rules are quadratic within one
selection set (graphql-core's OverlappingFieldsCanBeMerged compares every pair of
fields: 380 `me { id }` selections, under the token limit, take half a second). Those
loops run inside a single visitor call, so a check between nodes cannot interrupt them.
A real-time interval timer can: SIGALRM's handler raises in the thread that validates,
which is the event loop's thread in the api (validation is synchronous there). Off the
main thread (no signals there) the cap is checked between visited nodes only.

The clock leaves out garbage collection: a full collection in a large process can take
longer than the cap, is not the document's doing, and runs weakref callbacks where a signal
handler's exception is lost (Python prints it as "ignored"). An alarm during a collection
rings again just after it; an alarm before the deadline on this clock rings again at it; one
past it raises and rings again a few ms later, should that exception be lost too. Every
visited node also checks the clock.
"""

from __future__ import annotations

import gc
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
_deadline = 0.0  # on clock() of the validation under the timer
_gc_seconds = 0.0  # garbage collection time of this process so far
_gc_started: float | None = None


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    global _gc_started, _gc_seconds
    if phase == "start":
        _gc_started = time.perf_counter()
    elif _gc_started is not None:
        _gc_seconds += time.perf_counter() - _gc_started
        _gc_started = None


gc.callbacks.append(_on_gc)


def clock() -> float:
    """Seconds of wall-clock time outside garbage collection."""
    return time.perf_counter() - _gc_seconds


def _on_alarm(signum: int, frame: Any) -> None:
    if not _armed:
        return
    if _gc_started is not None:  # inside a collection: not validation's time
        signal.setitimer(signal.ITIMER_REAL, RING_AGAIN_S)
        return
    left = _deadline - clock()
    if left > 0:  # collections took part of the time: ring at the deadline
        signal.setitimer(signal.ITIMER_REAL, max(left, RING_AGAIN_S / 5))
        return
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
        if clock() > self.deadline:
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
    global _armed, _deadline
    if seconds <= 0:
        return validate(())
    deadline = clock() + seconds
    rule = type("NodeDeadline", (_NodeDeadline,), {"deadline": deadline})
    if not _install():
        return validate((rule,))
    _deadline = deadline
    _armed = True
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        return validate((rule,))
    finally:
        _armed = False  # first: an alarm ringing now does nothing
        signal.setitimer(signal.ITIMER_REAL, 0)
