"""Tickets for complaints, suggestions and faults, kept in Redis, and their lifecycle.

open → in_progress → waiting_user → resolved → closed, and follow_up_due when one passes its due
time unresolved (see TRANSITIONS). Every change is one Redis transaction that writes the ticket,
its history (who, when, note) and an event on the console's live stream, so a restart mid-change
leaves either all of it or none.

Keys: ``cs:ticket:<id>`` (hash), ``cs:ticket:<id>:history`` (list of JSON changes),
``cs:tickets`` (all, by creation time), ``cs:tickets:conversation:<id>`` (one conversation's),
``cs:tickets:team:<team>`` (one team's, by creation time), ``cs:tickets:due`` (unresolved ones by
due time), ``cs:tickets:return_visits`` (resolved ones by the time of their return visit).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import redis

from bot.clock import utcnow
from bot.handoff.store import EVENTS_STREAM
from bot.pii import mask_pii
from bot.redis_text import as_text
from bot.service.ticket_rules import TicketRules

TICKET_STATUSES = ("open", "in_progress", "waiting_user", "follow_up_due", "resolved", "closed")
UNRESOLVED = ("open", "in_progress", "waiting_user", "follow_up_due")
# Where each status may go. Reopening a resolved ticket is allowed; a closed one stays closed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "waiting_user", "follow_up_due", "resolved", "closed"),
    "in_progress": ("waiting_user", "follow_up_due", "resolved"),
    "waiting_user": ("in_progress", "follow_up_due", "resolved"),
    "follow_up_due": ("in_progress", "waiting_user", "resolved"),
    "resolved": ("in_progress", "closed"),
    "closed": (),
}
SYSTEM = "system"  # the actor of the scheduler's changes
_PREFIX = "cs:ticket"
_ALL = "cs:tickets"
_DUE = "cs:tickets:due"
_RETURN_VISITS = "cs:tickets:return_visits"
_CHUNK = 500  # tickets per pipeline


def _by_conversation(conversation_id: str) -> str:
    return f"cs:tickets:conversation:{conversation_id}"


def _by_team(team: str) -> str:
    return f"cs:tickets:team:{team}"


def _history(ticket_id: str) -> str:
    return f"{_PREFIX}:{ticket_id}:history"


class TicketNotFound(KeyError):
    """No ticket has that id."""


class IllegalTransition(ValueError):
    """The ticket cannot go from its status to the one asked."""


@dataclass(frozen=True)
class Change:
    """One entry of a ticket's history."""

    at: float
    actor: str
    action: str  # created | status | assigned | note | reminded | escalated | return_visit
    status_from: str = ""
    status_to: str = ""
    note: str = ""
    told_user: bool = False


@dataclass(frozen=True)
class Ticket:
    """A ticket as stored: the summary is already masked."""

    ticket_id: str
    conversation_id: str
    category: str
    priority: str
    status: str
    summary: str
    created_at: float
    due_at: float
    department: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    order_number: str = ""
    remedy: str = ""
    team: str = ""
    assignee: str = ""
    updated_at: float = 0.0
    resolved_at: float = 0.0
    closed_at: float = 0.0
    first_response_at: float = 0.0  # the owner's first move (status change or note to the user)
    reminded_at: float = 0.0
    escalated_at: float = 0.0
    return_visit_at: float = 0.0  # when the return visit (回访) was sent

    def is_overdue(self, now: float) -> bool:
        """Unresolved and past its due time."""
        return self.status in UNRESOLVED and self.due_at <= now


class TicketStore:
    """Create, read and update tickets in the shared Redis."""

    def __init__(
        self,
        client: redis.Redis,
        clock: Callable[[], dt.datetime] = utcnow,
        rules: TicketRules | None = None,
    ) -> None:
        """``rules`` (tickets.yml) name a new ticket's team and which resolved ones get a return visit;
        without them every ticket is the ``agents`` team's and none is visited."""
        self._redis = client
        self._clock = clock
        self._rules = rules

    def create(
        self,
        conversation_id: str,
        category: str,
        priority: str,
        summary: str,
        due_in: dt.timedelta,
        department: str = "",
        tags: tuple[str, ...] = (),
        order_number: str = "",
        remedy: str = "",
    ) -> Ticket:
        """Open a ticket; personal data in ``summary`` is masked before it is stored."""
        now = self._clock()
        day = now.strftime("%Y%m%d")
        number = self._redis.incr(f"{_PREFIX}:counter:{day}")
        self._redis.expire(f"{_PREFIX}:counter:{day}", 3 * 86400)
        ticket = Ticket(
            ticket_id=f"T{day}{number:04d}",
            conversation_id=conversation_id,
            category=category,
            priority=priority,
            status="open",
            summary=mask_pii(summary)[:500],
            created_at=now.timestamp(),
            due_at=(now + due_in).timestamp(),
            department=department,
            tags=tuple(tags),
            order_number=order_number,
            remedy=remedy,
            team=self._rules.team_for(tuple(tags), category) if self._rules else "agents",
            updated_at=now.timestamp(),
        )
        record = {key: json.dumps(value, ensure_ascii=False) for key, value in asdict(ticket).items()}
        pipe = self._redis.pipeline()
        pipe.hset(f"{_PREFIX}:{ticket.ticket_id}", mapping=record)
        pipe.zadd(_ALL, {ticket.ticket_id: ticket.created_at})
        pipe.zadd(_by_conversation(conversation_id), {ticket.ticket_id: ticket.created_at})
        pipe.zadd(_by_team(ticket.team), {ticket.ticket_id: ticket.created_at})
        pipe.zadd(_DUE, {ticket.ticket_id: ticket.due_at})
        pipe.rpush(_history(ticket.ticket_id), _encode_change(Change(ticket.created_at, SYSTEM, "created", status_to="open")))
        pipe.execute()
        return ticket

    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket, or None."""
        return _decode(self._redis.hgetall(f"{_PREFIX}:{ticket_id}"))

    def many(self, ticket_ids: Iterable[Any]) -> list[Ticket]:
        """The tickets of ``ticket_ids`` in that order, one pipeline per 500; missing ones are skipped."""
        ids = [as_text(i) for i in ticket_ids]
        found = []
        for start in range(0, len(ids), _CHUNK):
            pipe = self._redis.pipeline(transaction=False)
            for ticket_id in ids[start:start + _CHUNK]:
                pipe.hgetall(f"{_PREFIX}:{ticket_id}")
            found += [t for t in map(_decode, pipe.execute()) if t is not None]
        return found

    def tickets_between(self, since: float, until: float) -> list[Ticket]:
        """Tickets opened in ``[since, until)``, oldest first."""
        tickets = self.many(self._redis.zrangebyscore(_ALL, since, f"({until}"))
        return sorted(tickets, key=lambda t: (t.created_at, t.ticket_id))

    def for_conversation(self, conversation_id: str) -> list[Ticket]:
        """A conversation's tickets, oldest first."""
        return self.many(self._redis.zrange(_by_conversation(conversation_id), 0, -1))

    def count_since(self, conversation_id: str, category: str, days: int) -> int:
        """How many tickets of ``category`` the conversation opened in the last ``days`` days."""
        since = (self._clock() - dt.timedelta(days=days)).timestamp()
        ids = self._redis.zrangebyscore(_by_conversation(conversation_id), since, "+inf")
        return sum(1 for t in self.many(ids) if t.category == category)

    def set_status(self, ticket_id: str, status: str) -> Ticket:
        """Move a ticket to ``status`` as the system (see :meth:`change_status`)."""
        return self.change_status(ticket_id, status, SYSTEM)

    def change_status(self, ticket_id: str, status: str, actor: str, note: str = "", told_user: bool = False) -> Ticket:
        """Move a ticket to ``status``, recording who did it and why.

        ValueError for an unknown status, TicketNotFound, IllegalTransition (see TRANSITIONS).
        Unresolved tickets stay on the due list; a resolved one may get a return visit.
        """
        if status not in TICKET_STATUSES:
            raise ValueError(f"unknown ticket status {status!r}")

        def change(ticket: Ticket, now: float, pipe: redis.client.Pipeline) -> dict[str, Any]:
            if status not in TRANSITIONS.get(ticket.status, ()):
                raise IllegalTransition(f"a ticket that is {ticket.status} cannot become {status}")
            fields: dict[str, Any] = {"status": status}
            if status == "resolved":
                fields["resolved_at"] = now
                pipe.zrem(_DUE, ticket_id)
                if self._rules and self._rules.wants_return_visit(ticket.category, ticket.priority) and not ticket.return_visit_at:
                    pipe.zadd(_RETURN_VISITS, {ticket_id: now + self._rules.return_visit_hours * 3600})
            elif status == "closed":
                fields["closed_at"] = now
                pipe.zrem(_DUE, ticket_id)
                pipe.zrem(_RETURN_VISITS, ticket_id)
            else:
                pipe.zadd(_DUE, {ticket_id: ticket.due_at})
                pipe.zrem(_RETURN_VISITS, ticket_id)
            if actor != SYSTEM and not ticket.first_response_at:
                fields["first_response_at"] = now
            return fields

        return self._update(ticket_id, actor, "status", change, note=note, told_user=told_user, status_to=status)

    def assign(self, ticket_id: str, assignee: str, actor: str) -> Ticket:
        """Give the ticket to ``assignee`` (a console user name; "" takes it back to the team)."""
        return self._update(ticket_id, actor, "assigned", lambda _t, _now, _pipe: {"assignee": assignee}, note=assignee)

    def add_note(self, ticket_id: str, actor: str, note: str, told_user: bool = False) -> Ticket:
        """Record a note; ``told_user`` when it was also sent to the user (then it counts as a response)."""

        def change(ticket: Ticket, now: float, _pipe: redis.client.Pipeline) -> dict[str, Any]:
            return {"first_response_at": now} if told_user and not ticket.first_response_at else {}

        return self._update(ticket_id, actor, "note", change, note=note, told_user=told_user)

    def history(self, ticket_id: str) -> list[Change]:
        """Every change of the ticket, oldest first."""
        return [Change(**json.loads(raw)) for raw in self._redis.lrange(_history(ticket_id), 0, -1)]

    def for_team(self, team: str, limit: int = 200) -> list[Ticket]:
        """A team's newest tickets, newest first."""
        return self.many(self._redis.zrevrange(_by_team(team), 0, limit - 1))

    def newest(self, limit: int = 200) -> list[Ticket]:
        """The newest tickets of every team, newest first."""
        return self.many(self._redis.zrevrange(_ALL, 0, limit - 1))

    def due_before(self, when: float, limit: int = 1000) -> list[Ticket]:
        """Unresolved tickets due at or before ``when``, soonest first."""
        return self.many(self._redis.zrangebyscore(_DUE, "-inf", when, start=0, num=limit))

    def return_visits_due(self, limit: int = 500) -> list[Ticket]:
        """Resolved tickets whose return visit is due now."""
        now = self._clock().timestamp()
        return self.many(self._redis.zrangebyscore(_RETURN_VISITS, "-inf", now, start=0, num=limit))

    def mark_follow_ups_due(self) -> list[str]:
        """Open or waiting tickets past their due time become ``follow_up_due``; return their ids.

        Idempotent: a ticket already due (or resolved meanwhile) is left alone.
        """
        changed = []
        for ticket in self.due_before(self._clock().timestamp()):
            if ticket.status in ("open", "in_progress", "waiting_user"):
                try:
                    self.change_status(ticket.ticket_id, "follow_up_due", SYSTEM, note="past due")
                except IllegalTransition:  # moved by someone else in between
                    continue
                changed.append(ticket.ticket_id)
        return changed

    def mark_reminded(self, ticket_id: str, owner: str, every: float) -> bool:
        """Note that ``owner`` was reminded, unless that happened less than ``every`` seconds ago."""

        def change(ticket: Ticket, now: float, _pipe: redis.client.Pipeline) -> dict[str, Any]:
            if ticket.reminded_at and now - ticket.reminded_at < every:
                raise _Unchanged()
            return {"reminded_at": now}

        return self._try(ticket_id, "reminded", change, note=owner, event={"owner": owner})

    def mark_escalated(self, ticket_id: str) -> bool:
        """Note that the overdue ticket went to a supervisor; False if it already had."""

        def change(ticket: Ticket, now: float, _pipe: redis.client.Pipeline) -> dict[str, Any]:
            if ticket.escalated_at or ticket.status not in UNRESOLVED:
                raise _Unchanged()
            return {"escalated_at": now}

        return self._try(ticket_id, "escalated", change, note="supervisor", event={"owner": "supervisor"})

    def mark_return_visit(self, ticket_id: str) -> bool:
        """Take the ticket's return visit off the list; True only for the one caller that did."""

        def change(ticket: Ticket, _now: float, pipe: redis.client.Pipeline) -> dict[str, Any]:
            pipe.zrem(_RETURN_VISITS, ticket_id)
            if ticket.return_visit_at or ticket.status != "resolved":
                raise _Unchanged()
            return {"return_visit_at": _now}

        return self._try(ticket_id, "return_visit", change)

    def _try(self, ticket_id: str, action: str, change: _Change, note: str = "", event: dict | None = None) -> bool:
        try:
            self._update(ticket_id, SYSTEM, action, change, note=note, event=event)
        except (_Unchanged, TicketNotFound):
            if action == "return_visit":  # visited already, reopened or gone: off the list for good
                self._redis.zrem(_RETURN_VISITS, ticket_id)
            return False
        return True

    def _update(self, ticket_id: str, actor: str, action: str, change: _Change, note: str = "",
                told_user: bool = False, status_to: str = "", event: dict | None = None) -> Ticket:
        """Apply ``change`` to the ticket in one transaction (retried if it changed meanwhile)."""
        key = f"{_PREFIX}:{ticket_id}"
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    ticket = _decode(pipe.hgetall(key))
                    if ticket is None:
                        raise TicketNotFound(ticket_id)
                    now = self._clock().timestamp()
                    pipe.multi()
                    fields = {**change(ticket, now, pipe), "updated_at": now}
                    pipe.hset(key, mapping={k: json.dumps(v, ensure_ascii=False) for k, v in fields.items()})
                    entry = Change(now, actor, action, ticket.status if status_to else "", status_to,
                                   mask_pii(note), told_user)
                    pipe.rpush(_history(ticket_id), _encode_change(entry))
                    pipe.xadd(EVENTS_STREAM, {
                        "type": f"ticket_{action}", "ticket_id": ticket_id, "team": ticket.team,
                        "assignee": str(fields.get("assignee", ticket.assignee)), "status": str(fields.get("status", ticket.status)),
                        **(event or {}),
                    }, maxlen=10000, approximate=True)
                    pipe.execute()
                    return replace(ticket, **fields)
                except redis.WatchError:
                    continue


class _Unchanged(Exception):
    """A scheduler's mark that was already made: nothing to write."""


_Change = Callable[[Ticket, float, Any], dict[str, Any]]


def _encode_change(change: Change) -> str:
    return json.dumps(asdict(change), ensure_ascii=False)


def _decode(raw: Mapping[Any, Any]) -> Ticket | None:
    """A ticket from its hash (every field JSON), or None for a missing one."""
    if not raw:
        return None
    known = {f.name for f in fields(Ticket)}
    values = {as_text(k): json.loads(v) for k, v in raw.items()}
    values = {k: v for k, v in values.items() if k in known}
    values["tags"] = tuple(values.get("tags") or ())
    return Ticket(**values)
