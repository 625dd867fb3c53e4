"""Can a person take the conversation now, and how long will the user wait?

Service hours come from data/service/escalation.yml; the wait is estimated from the handle
times of recently resolved handoffs and the number of agents online.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.datafiles.config_files import SERVICE_DIR, ConfigFileError, config_error, load_config
from bot.datafiles.yaml_shapes import NUMBER, QUOTED, TEXT, WHOLE, Fields, ListOf

# The parts of data/service/escalation.yml read here.
SHAPE = Fields({
    "service_hours": Fields({"timezone": TEXT, "days": ListOf(WHOLE), "open": QUOTED, "close": QUOTED}),
    "default_handle_minutes": NUMBER,
})


def _clock_time(raw: object, where: str) -> dt.time:
    try:
        hours, minutes = str(raw).strip().split(":")
        if (int(hours), int(minutes)) == (24, 0):
            return dt.time.max  # "until midnight"
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ConfigFileError(where, f"service hours must look like 09:00, got {raw!r}") from None


@dataclass(frozen=True)
class ServiceHours:
    """The days and hours agents work, in one time zone."""

    timezone: str = "Asia/Shanghai"
    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(21, 0)
    default_handle_minutes: float = 6.0

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "escalation.yml") -> ServiceHours:
        """Read ``service_hours`` and ``default_handle_minutes`` from the escalation rules."""
        raw, lines = load_config(path, SHAPE)
        hours = raw.get("service_hours") or {}
        timezone = str(hours.get("timezone", "Asia/Shanghai"))
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise config_error(lines, ["service_hours", "timezone"], (
                f"unknown time zone '{timezone}'; write it like Asia/Shanghai")) from None
        days = tuple(hours.get("days", range(1, 8)) or ())
        if not days or not set(days) <= set(range(1, 8)):
            raise config_error(lines, ["service_hours", "days"], (
                f"days must be one or more of 1 (Monday) to 7 (Sunday), got {list(days)}"))
        opens = _clock_time(hours.get("open", "09:00"), lines.where("service_hours", "open"))
        closes = _clock_time(hours.get("close", "21:00"), lines.where("service_hours", "close"))
        if closes <= opens:
            raise config_error(lines, ["service_hours", "close"], "close must be later than open")
        return cls(timezone, days, opens, closes, float(raw.get("default_handle_minutes", 6)))

    def with_hours(self, spec: str) -> ServiceHours:
        """The same days with the hours of ``spec`` ("08:00-22:00", from SERVICE_HOURS); unchanged if empty."""
        if not spec.strip():
            return self
        opens, _, closes = spec.partition("-")
        return replace(self, opens=_clock_time(opens, "SERVICE_HOURS"), closes=_clock_time(closes, "SERVICE_HOURS"))

    def _local(self, now: dt.datetime) -> dt.datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def is_open(self, now: dt.datetime) -> bool:
        """Agents are at work at ``now`` (an aware datetime)."""
        local = self._local(now)
        return local.isoweekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        """When agents are next at work (``now`` itself if open), in the service's time zone."""
        local = self._local(now)
        if self.is_open(now):
            return local
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            opening = dt.datetime.combine(day, self.opens, tzinfo=local.tzinfo)
            if day.isoweekday() in self.days and opening > local:
                return opening
        raise ConfigFileError("service_hours", "has no working day")


def expected_wait_minutes(
    position: int,
    agents_online: int,
    recent_handle_seconds: Sequence[float],
    default_handle_minutes: float = 6.0,
) -> int:
    """Minutes until an agent is free for the user at ``position`` (1 = next), rounded up, at least 1.

    Each online agent works through the queue one conversation at a time, taking the median
    recent handle time per conversation.
    """
    handle = statistics.median(recent_handle_seconds) / 60 if recent_handle_seconds else default_handle_minutes
    rounds = math.ceil(max(position, 1) / max(agents_online, 1))
    return max(1, math.ceil(rounds * handle))


@dataclass(frozen=True)
class Availability:
    """Whether a handoff can be queued now and, if not, when agents are back."""

    open_now: bool
    agents_online: int
    back_at: dt.datetime | None = None

    @property
    def can_queue(self) -> bool:
        """Someone can take the conversation in this shift."""
        return self.open_now and self.agents_online > 0


def availability(hours: ServiceHours, now: dt.datetime, agents_online: int) -> Availability:
    """Combine service hours and presence into one answer.

    Outside service hours ``back_at`` is the next opening; inside them with nobody online
    it is None (nobody can say when an agent returns).
    """
    if not hours.is_open(now):
        return Availability(open_now=False, agents_online=agents_online, back_at=hours.next_opening(now))
    return Availability(open_now=True, agents_online=agents_online)
