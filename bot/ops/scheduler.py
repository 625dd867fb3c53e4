"""The ticket scheduler (长效跟进): one per deployment, however many instances run.

``python -m bot.ops.scheduler`` (started by ``make run``; in a cluster, any number of replicas).
Each instance tries to hold a lease in Redis (``SET NX PX``, renewed each round by its holder
only); the holder runs the jobs, the others wait to take over when it stops renewing. An
instance that finds its lease lost stops running jobs at once.

The jobs, every ``interval`` seconds (each one idempotent, so a restart repeats nothing):
follow-ups due (past-due tickets become ``follow_up_due`` and the user is told), reminders to
the owning team or assignee, overdue tickets raised to a supervisor, and the return visit (回访)
a day after a complaint or high-priority ticket was resolved.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from bot import log_masking, redis_lease
from bot.clock import utcnow
from bot.handoff.reach import UserReach
from bot.service.ticket_messages import STATUS_RESPONSES, ResponseTemplates
from bot.service.ticket_rules import TicketRules
from bot.service.ticket_updates import TicketUpdates
from bot.service.tickets import TicketStore
from bot.settings import Settings
from bot.wiring import Wiring

logger = logging.getLogger(__name__)

LEASE_KEY = "cs:scheduler:lease"


def holder_name() -> str:
    """This instance's name on the lease: unique per host and process."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Lease(redis_lease.Lease):
    """The scheduler's lease (``cs:scheduler:lease``)."""

    def __init__(self, client: redis.Redis, holder: str, ttl: float = 30.0, key: str = LEASE_KEY) -> None:
        super().__init__(client, holder, ttl, key)


@dataclass
class Round:
    """What one round of the jobs did, by ticket id."""

    follow_ups_due: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    return_visits: list[str] = field(default_factory=list)


class TicketJobs:
    """The scheduler's jobs on tickets."""

    def __init__(self, tickets: TicketStore, updates: TicketUpdates, rules: TicketRules,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._tickets = tickets
        self._updates = updates
        self._rules = rules
        self._clock = clock

    def run_once(self) -> Round:
        """One round of every job."""
        done = Round()
        for ticket_id in self._tickets.mark_follow_ups_due():
            done.follow_ups_due.append(ticket_id)
            self._tell(ticket_id, STATUS_RESPONSES["follow_up_due"])
        now = self._clock().timestamp()
        every = self._rules.remind_every_hours * 3600
        for ticket in self._tickets.due_before(now):
            if self._tickets.mark_reminded(ticket.ticket_id, ticket.assignee or ticket.team, every):
                done.reminded.append(ticket.ticket_id)
        for ticket in self._tickets.due_before(now - self._rules.escalate_after_hours * 3600):
            if self._tickets.mark_escalated(ticket.ticket_id):
                logger.info("ticket %s is overdue: raised to a supervisor", ticket.ticket_id)
                done.escalated.append(ticket.ticket_id)
        for ticket in self._tickets.return_visits_due():
            if self._tickets.mark_return_visit(ticket.ticket_id):
                delivery = self._updates.return_visit(ticket)
                logger.info("ticket %s: return visit %s on %s", ticket.ticket_id, delivery.how, delivery.channel)
                done.return_visits.append(ticket.ticket_id)
        return done

    def _tell(self, ticket_id: str, response: str) -> None:
        ticket = self._tickets.get(ticket_id)
        if ticket is not None:
            self._updates.tell(ticket, response)


class Scheduler:
    """Runs the jobs every ``interval`` seconds while this instance holds the lease."""

    def __init__(self, lease: Lease, jobs: TicketJobs, interval: float = 30.0) -> None:
        self.lease = lease
        self.jobs = jobs
        self.interval = interval
        self.rounds = 0  # rounds this instance ran

    def step(self) -> Round | None:
        """One round if we hold the lease (None if not); Redis trouble is logged, not fatal."""
        try:
            if not self.lease.hold():
                return None
            done = self.jobs.run_once()
        except redis.RedisError as error:
            logger.warning("scheduler: Redis unavailable (%s); trying again next round", type(error).__name__)
            return None
        except Exception:  # one bad ticket must not crash-loop the process (and with it the launcher)
            logger.exception("scheduler: a round failed; trying again next round")
            return None
        self.rounds += 1
        return done

    def run(self, stop: threading.Event) -> None:
        """Step until ``stop`` is set, then give the lease up."""
        holding = False
        while not stop.is_set():
            done = self.step()
            if (done is not None) != holding:
                holding = done is not None
                logger.info("scheduler %s: %s the lease", self.lease.holder, "holds" if holding else "does not hold")
            stop.wait(self.interval)
        with contextlib.suppress(redis.RedisError):  # the lease then simply expires
            self.lease.release()


def jobs_for(wiring: Wiring, clock: Callable[[], dt.datetime] = utcnow) -> TicketJobs:
    """The jobs on ``wiring``'s Redis and rules, on ``clock`` (a test passes a day later)."""
    rules = wiring.ticket_rules
    tickets = TicketStore(wiring.redis, clock, rules)
    updates = TicketUpdates(tickets, wiring.outbox, UserReach(wiring.redis, clock),
                            ResponseTemplates.load(wiring.settings.project_root / "domain.yml"), wiring.labels, clock=clock)
    return TicketJobs(tickets, updates, rules, clock)


def main() -> int:
    """Run the scheduler until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log_masking.install()
    wiring = Wiring(Settings.from_env())
    interval = wiring.settings.scheduler_interval_seconds
    jobs = jobs_for(wiring)
    scheduler = Scheduler(Lease(wiring.redis, holder_name(), ttl=max(3 * interval, 10.0)), jobs, interval)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    logger.info("scheduler %s: every %.0f s", scheduler.lease.holder, interval)
    scheduler.run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
