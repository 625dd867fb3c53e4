"""A clock a test sets, for the stores' bulk-read tests."""
from __future__ import annotations

import datetime as dt

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


class Clock:
    """A clock the test sets, in seconds after START."""

    def __init__(self) -> None:
        self.now = START

    def at(self, seconds: float) -> None:
        self.now = START + dt.timedelta(seconds=seconds)

    def __call__(self) -> dt.datetime:
        return self.now
