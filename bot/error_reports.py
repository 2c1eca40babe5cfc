"""Error reports to the admins, rate-limited: one now, the rest counted into the next."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# At most one report to the admins per this many seconds; errors in between are counted and
# listed in the next report, so a flood of presses cannot flood the admins' chats.
REPORT_EVERY = 600.0


@dataclass(slots=True)
class ErrorReports:
    """Decide which errors are reported to the admins now, and count the rest."""

    every: float = REPORT_EVERY
    last: float = float("-inf")
    held: Counter[str] = field(default_factory=Counter)

    def admit(self, kind: str, now: float) -> Counter[str] | None:
        """Return the errors held since the last report if one may go now, else hold this."""
        if now - self.last < self.every:
            self.held[kind] += 1
            return None
        held, self.held, self.last = self.held, Counter(), now
        return held
