"""End-to-end fixtures: the loopback Bot API server and the real Application against it."""

from __future__ import annotations

import os

# Opt in to PTB's timedelta retry_after now: without it every 429 raises a deprecation
# warning, which this suite turns into an error.
os.environ.setdefault("PTB_TIMEDELTA", "1")
