"""Keep the stack's children running: restart one that crashed, with backoff; give up on a crash loop.

The launcher asks ``Supervisor.check()`` about once a second. A child that ended on its own is
restarted after a delay that doubles with each crash in a row (1 s, 2 s, 4 s … at most 30 s);
one that keeps crashing (``max_crashes`` within ``window_seconds``) is a fault no restart will
fix, so the supervisor raises ``CrashLoop`` and the launcher stops everything.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)


class Supervised(Protocol):
    """A child process the supervisor can watch and restart."""

    name: str

    def exit_code(self) -> int | None:
        """The exit code if the process has ended, else None (running, or never started)."""

    def relaunch(self) -> None:
        """Start the process again (without waiting for it to be healthy)."""


class CrashLoop(RuntimeError):
    """A child crashed too often in too short a time: restarting it again would not help."""


@dataclass(frozen=True)
class RestartPolicy:
    """How soon and how often a crashed child is restarted."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    max_crashes: int = 5
    window_seconds: float = 300.0

    def delay(self, crashes_in_a_row: int) -> float:
        """Seconds to wait before restarting after the ``crashes_in_a_row``-th crash (1-based)."""
        return min(self.max_delay, self.first_delay * 2 ** max(0, crashes_in_a_row - 1))


@dataclass
class _History:
    crashes: list[float] = field(default_factory=list)  # monotonic times of recent crashes
    restart_at: float | None = None  # when a pending restart is due


class Supervisor:
    """Watches children and restarts the ones that ended, as ``policy`` says."""

    def __init__(
        self,
        children: list[Supervised],
        policy: RestartPolicy = RestartPolicy(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._children = children
        self._policy = policy
        self._clock = clock
        self._history: dict[str, _History] = {child.name: _History() for child in children}
        self.restarts: dict[str, int] = {child.name: 0 for child in children}

    def down(self) -> list[str]:
        """Names of the children that are not running now (crashed, waiting for their restart)."""
        return [child.name for child in self._children if child.exit_code() is not None]

    def check(self) -> None:
        """Notice crashes and restart children whose delay has passed; raise CrashLoop to give up."""
        now = self._clock()
        for child in self._children:
            code = child.exit_code()
            if code is None:
                continue
            history = self._history[child.name]
            if history.restart_at is None:
                history.crashes = [t for t in history.crashes if now - t < self._policy.window_seconds] + [now]
                if len(history.crashes) >= self._policy.max_crashes:
                    raise CrashLoop(
                        f"{child.name} crashed {len(history.crashes)} times in "
                        f"{self._policy.window_seconds:.0f}s (last exit code {code})"
                    )
                delay = self._policy.delay(len(history.crashes))
                history.restart_at = now + delay
                logger.error("%s exited with code %s; restarting it in %.0fs", child.name, code, delay)
            if now >= history.restart_at:
                history.restart_at = None
                self.restarts[child.name] += 1
                logger.warning("restarting %s (restart %d)", child.name, self.restarts[child.name])
                try:
                    child.relaunch()
                except Exception as error:  # noqa: BLE001 - a failed start is one more crash, handled above
                    logger.error("%s could not be restarted: %s", child.name, error)
