"""Periods for reports: dates are days of the service's time zone (``service_hours.timezone``).

``--since 2026-11-01 --until 2026-11-07`` is the whole of 1 to 7 November in Asia/Shanghai:
a date as ``until`` includes that day. Times with an offset, or epoch seconds, are exact.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.datafiles.config_files import ConfigFileError
from bot.handoff.availability import ServiceHours

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """A period bound that cannot be read, or an empty period."""


def service_timezone() -> str:
    """The time zone the service's days are counted in (Asia/Shanghai unless configured)."""
    try:
        return ServiceHours.load().timezone
    except ConfigFileError:
        return ServiceHours().timezone


def parse_bound(value: str, timezone: str, end: bool = False) -> float:
    """Epoch seconds for a date, an ISO 8601 time (local when it has no offset) or epoch seconds.

    A bare date is the start of that day, or with ``end`` the start of the next day.
    """
    text = (value or "").strip()
    if not text:
        raise PeriodError("a date or time is required, e.g. 2026-11-01")
    try:
        return float(text)
    except ValueError:
        pass
    zone = ZoneInfo(timezone)
    if _DATE.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise PeriodError(f"not a date: {text!r}") from None
        if end:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp()
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise PeriodError(f"not an ISO 8601 date or time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.timestamp()


@dataclass(frozen=True)
class Period:
    """``[since, until)`` in epoch seconds, with the time zone its days are counted in."""

    since: float
    until: float
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if not self.until > self.since:
            raise PeriodError("the end of the period must come after its start")

    @classmethod
    def parse(cls, since: str, until: str | None, timezone: str, now: float) -> Period:
        """From command-line or query values; no ``until`` means up to ``now``."""
        start = parse_bound(since, timezone)
        end = parse_bound(until, timezone, end=True) if until else now
        return cls(start, end, timezone)

    @classmethod
    def week_ending(cls, last_day: dt.date, timezone: str) -> Period:
        """The seven days ending with ``last_day`` (included)."""
        zone = ZoneInfo(timezone)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        start = end - dt.timedelta(days=7)
        return cls(start.timestamp(), end.timestamp(), timezone)

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, (int, float)) and self.since <= moment < self.until

    def local(self, moment: float) -> dt.datetime:
        """``moment`` as a time of the period's zone."""
        return dt.datetime.fromtimestamp(moment, ZoneInfo(self.timezone))

    def day(self, moment: float) -> str:
        """The local date of ``moment``, as YYYY-MM-DD."""
        return self.local(moment).date().isoformat()

    def days(self) -> list[str]:
        """Every local date the period touches, in order."""
        first = self.local(self.since).date()
        last = self.local(self.until - 1e-6).date()
        return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]

    def as_dict(self) -> dict:
        """The JSON form: bounds as epoch seconds and ISO times, the zone, the days."""
        return {
            "since": self.since, "until": self.until, "timezone": self.timezone,
            "since_iso": self.local(self.since).isoformat(), "until_iso": self.local(self.until).isoformat(),
            "days": self.days(),
        }
