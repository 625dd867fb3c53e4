"""Tickets for complaints, suggestions and faults, kept in Redis.

Keys: ``cs:ticket:<id>`` (hash), ``cs:tickets`` (all, by creation time),
``cs:tickets:conversation:<id>`` (one conversation's), ``cs:tickets:due`` (open ones by due time).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from bot.clock import utcnow
from bot.pii import mask_pii
from bot.redis_text import as_text

TICKET_STATUSES = ("open", "follow_up_due", "resolved")
_PREFIX = "cs:ticket"
_ALL = "cs:tickets"
_DUE = "cs:tickets:due"
_CHUNK = 500  # tickets per pipeline


def _by_conversation(conversation_id: str) -> str:
    return f"cs:tickets:conversation:{conversation_id}"


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


class TicketStore:
    """Create, read and update tickets in the shared Redis."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._redis = client
        self._clock = clock

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
        )
        record = {key: json.dumps(value, ensure_ascii=False) for key, value in asdict(ticket).items()}
        pipe = self._redis.pipeline()
        pipe.hset(f"{_PREFIX}:{ticket.ticket_id}", mapping=record)
        pipe.zadd(_ALL, {ticket.ticket_id: ticket.created_at})
        pipe.zadd(_by_conversation(conversation_id), {ticket.ticket_id: ticket.created_at})
        pipe.zadd(_DUE, {ticket.ticket_id: ticket.due_at})
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

    def set_status(self, ticket_id: str, status: str) -> None:
        """Move a ticket to ``status``; resolved tickets leave the due list."""
        if status not in TICKET_STATUSES:
            raise ValueError(f"unknown ticket status {status!r}")
        if not self._redis.exists(f"{_PREFIX}:{ticket_id}"):
            raise KeyError(ticket_id)
        self._redis.hset(f"{_PREFIX}:{ticket_id}", "status", json.dumps(status))
        if status == "resolved":
            self._redis.zrem(_DUE, ticket_id)

    def mark_follow_ups_due(self) -> list[str]:
        """Open tickets past their due time become ``follow_up_due``; return their ids."""
        now = self._clock().timestamp()
        due = [as_text(i) for i in self._redis.zrangebyscore(_DUE, "-inf", now)]
        changed = []
        for ticket_id in due:
            ticket = self.get(ticket_id)
            if ticket and ticket.status == "open":
                self.set_status(ticket_id, "follow_up_due")
                changed.append(ticket_id)
        return changed


def _decode(raw: Mapping[Any, Any]) -> Ticket | None:
    """A ticket from its hash (every field JSON), or None for a missing one."""
    if not raw:
        return None
    values = {as_text(k): json.loads(v) for k, v in raw.items()}
    values["tags"] = tuple(values.get("tags") or ())
    return Ticket(**values)
