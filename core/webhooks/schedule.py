"""When a failed delivery is tried again, and when an endpoint is given up on, as data.

About a day of retries with exponential back-off (5 s, 1 min, 5 min, 30 min, 2 h, 8 h,
24 h: eight attempts in all, about 34.6 h), each delay spread by a random +/-20 % so many
endpoints failing together do not come back together. An endpoint whose deliveries keep
failing for five days is disabled (the user sees why and can enable it again).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

ATTEMPT_TIMEOUT_SECONDS = 10.0  # a 2xx within this is success


@dataclass(frozen=True)
class RetrySchedule:
    delays: tuple[float, ...] = (5, 60, 300, 1800, 7200, 28800, 86400)
    jitter: float = 0.2
    disable_after: timedelta = timedelta(days=5)

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, failed_attempts: int, rng: random.Random | None = None) -> float | None:
        """Seconds before the next attempt after this many failed ones; None: give up."""
        if failed_attempts < 1 or failed_attempts > len(self.delays):
            return None
        base = self.delays[failed_attempts - 1]
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return base * (1 + spread)

    def should_disable(self, failing_since: datetime | None, now: datetime) -> bool:
        """An endpoint failing without a success since ``failing_since`` for too long."""
        return failing_since is not None and now - failing_since >= self.disable_after


DEFAULT_SCHEDULE = RetrySchedule()
