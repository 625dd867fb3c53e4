"""Handoffs to human agents, kept in Redis: the record, the priority queue, claims, transcript.

Keys:
  cs:handoff:<id>              the record (JSON)
  cs:handoff:<id>:transcript   list of turns (JSON), oldest first
  cs:handoff:queue             waiting handoffs, ordered by priority then waiting time
  cs:handoff:resolved          resolved handoffs by resolve time
  cs:console:assigned          claimed handoffs not resolved yet (set of ids)
  cs:conversation:<cid>        hash: state (bot | queued | agent), handoff id, agent; feedback adds
                               the latest rating (``conversation_key``)
  cs:events                    stream of changes, for live consoles
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import redis

from bot.clock import utcnow
from bot.pii import mask_pii
from bot.redis_text import as_text

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
EVENTS_STREAM = "cs:events"
QUEUE = "cs:handoff:queue"
RESOLVED = "cs:handoff:resolved"
# Claimed handoffs not resolved yet, so each agent finds their own (the name predates the store).
ASSIGNED = "cs:console:assigned"
_RANK_WEIGHT = 10 ** 11  # larger than any epoch seconds, so priority always sorts first
_CHUNK = 500  # ids per MGET


class HandoffError(Exception):
    """Base class for handoff store errors."""


class HandoffNotFound(HandoffError):
    """No handoff with that id."""


class HandoffConflict(HandoffError):
    """The handoff is not in a state that allows this (e.g. already claimed)."""


def _by_conversation_key(conversation_id: str) -> str:
    return f"cs:handoff:by_conversation:{conversation_id}"


def conversation_key(conversation_id: str) -> str:
    """The hash of one conversation's state; feedback keeps the latest rating in it too."""
    return f"cs:conversation:{conversation_id}"


@dataclass(frozen=True)
class Turn:
    """One line of the transcript."""

    role: str  # user | bot | agent | note | system
    text: str
    at: float
    agent: str = ""


@dataclass(frozen=True)
class HandoffRecord:
    """Everything an agent needs at a glance. Texts are masked when the record is opened."""

    handoff_id: str
    conversation_id: str
    channel: str
    category: str
    priority: str
    reason: str
    summary: str
    created_at: float
    status: str = "queued"  # queued | assigned | resolved
    signals: list[str] = field(default_factory=list)
    top_intents: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    complaints_in_window: int = 0
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    agent: str = ""
    claimed_at: float | None = None
    resolved_at: float | None = None
    outcome: str = ""
    follow_up_at: float | None = None
    language: str = "zh"
    priority_reasons: list[str] = field(default_factory=list)  # codes of bot/service/priority.py
    emotion: dict[str, Any] = field(default_factory=dict)  # {"label", "score"} of the user's latest message

    @property
    def wait_seconds(self) -> float | None:
        """Opened → claimed, once claimed."""
        return None if self.claimed_at is None else self.claimed_at - self.created_at

    @property
    def handle_seconds(self) -> float | None:
        """Claimed → resolved, once both happened."""
        if self.claimed_at is None or self.resolved_at is None:
            return None
        return self.resolved_at - self.claimed_at


class HandoffStore:
    """Open, queue, claim, converse in, and resolve handoffs in the shared Redis."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._redis = client
        self._clock = clock

    # -- conversation state -------------------------------------------------------------
    def state(self, conversation_id: str) -> str:
        """bot, queued or agent."""
        value = self._redis.hget(conversation_key(conversation_id), "state")
        return as_text(value) if value else "bot"

    def active_handoff(self, conversation_id: str) -> str | None:
        """The id of the conversation's open handoff, if it is with a person."""
        if self.state(conversation_id) == "bot":
            return None
        value = self._redis.hget(conversation_key(conversation_id), "handoff")
        return as_text(value) if value else None

    # -- lifecycle ------------------------------------------------------------------------
    def open(self, record: HandoffRecord, transcript: list[Turn]) -> HandoffRecord:
        """Queue a handoff; the conversation stops being answered by the bot."""
        existing = self.active_handoff(record.conversation_id)
        if existing:
            return self.get(existing)
        record = replace(
            record,
            handoff_id=record.handoff_id or uuid.uuid4().hex[:12],
            summary=mask_pii(record.summary),
            status="queued",
        )
        score = PRIORITY_RANK.get(record.priority, 1) * _RANK_WEIGHT + record.created_at
        pipe = self._redis.pipeline()
        pipe.set(self._key(record.handoff_id), json.dumps(asdict(record), ensure_ascii=False))
        for turn in transcript:
            pipe.rpush(self._transcript_key(record.handoff_id), self._encode_turn(turn))
        pipe.zadd(QUEUE, {record.handoff_id: score})
        pipe.zadd(_by_conversation_key(record.conversation_id), {record.handoff_id: record.created_at})
        pipe.hset(conversation_key(record.conversation_id), mapping={"state": "queued", "handoff": record.handoff_id})
        pipe.execute()
        self._event("handoff_opened", record.handoff_id, priority=record.priority)
        return record

    def get(self, handoff_id: str) -> HandoffRecord:
        """The record; HandoffNotFound if there is none."""
        raw = self._redis.get(self._key(handoff_id))
        if raw is None:
            raise HandoffNotFound(handoff_id)
        return HandoffRecord(**json.loads(raw))

    def transcript(self, handoff_id: str) -> list[Turn]:
        """The transcript, oldest first."""
        return [Turn(**json.loads(item)) for item in self._redis.lrange(self._transcript_key(handoff_id), 0, -1)]

    def queue(self) -> list[HandoffRecord]:
        """Waiting handoffs: high priority first, then the longest waiting."""
        return self.records(self._redis.zrange(QUEUE, 0, -1))

    def position(self, handoff_id: str) -> int | None:
        """1-based place in the queue, or None once claimed."""
        rank = self._redis.zrank(QUEUE, handoff_id)
        return None if rank is None else rank + 1

    def claim(self, handoff_id: str, agent: str) -> HandoffRecord:
        """Give the handoff to ``agent``; exactly one of concurrent claims wins.

        An optimistic transaction (WATCH the record, then MULTI): a claim that raced another
        is retried, sees the handoff assigned, and raises HandoffConflict. The record is
        rewritten from Python so its JSON keeps its exact shape (lists stay lists).
        """
        key = self._key(handoff_id)
        claimed_at = self._clock().timestamp()

        def attempt(pipe: redis.client.Pipeline) -> None:
            raw = pipe.get(key)
            if raw is None:
                raise HandoffNotFound(handoff_id)
            record = HandoffRecord(**json.loads(raw))
            if record.status != "queued":
                raise HandoffConflict(f"handoff {handoff_id} is already {record.status}")
            updated = replace(record, status="assigned", agent=agent, claimed_at=claimed_at)
            pipe.multi()
            pipe.set(key, json.dumps(asdict(updated), ensure_ascii=False))
            pipe.zrem(QUEUE, handoff_id)
            pipe.sadd(ASSIGNED, handoff_id)
            pipe.hset(conversation_key(record.conversation_id), mapping={"state": "agent", "agent": agent})

        self._redis.transaction(attempt, key)
        self._event("handoff_claimed", handoff_id, agent=agent)
        return self.get(handoff_id)

    def append(self, handoff_id: str, role: str, text: str, agent: str = "") -> Turn:
        """Add a turn to the transcript and tell the live consoles."""
        self.get(handoff_id)
        turn = Turn(role=role, text=text, at=self._clock().timestamp(), agent=agent)
        self._redis.rpush(self._transcript_key(handoff_id), self._encode_turn(turn))
        self._event("message", handoff_id, role=role)
        return turn

    def transfer(self, handoff_id: str, to_agent: str) -> HandoffRecord:
        """Hand an assigned handoff to another agent (e.g. a supervisor)."""
        record = self.get(handoff_id)
        if record.status != "assigned":
            raise HandoffConflict(f"handoff {handoff_id} is {record.status}, not assigned")
        updated = replace(record, agent=to_agent)
        self._save(updated)
        self._redis.hset(conversation_key(record.conversation_id), "agent", to_agent)
        self._event("handoff_transferred", handoff_id, agent=to_agent)
        return updated

    def resolve(self, handoff_id: str, outcome: str = "resolved", follow_up_at: float | None = None) -> HandoffRecord:
        """Close the handoff and give the conversation back to the bot."""
        record = self.get(handoff_id)
        if record.status == "resolved":
            raise HandoffConflict(f"handoff {handoff_id} is already resolved")
        updated = replace(record, status="resolved", resolved_at=self._clock().timestamp(), outcome=outcome, follow_up_at=follow_up_at)
        pipe = self._redis.pipeline()
        pipe.set(self._key(handoff_id), json.dumps(asdict(updated), ensure_ascii=False))
        pipe.zrem(QUEUE, handoff_id)
        pipe.srem(ASSIGNED, handoff_id)
        pipe.hset(conversation_key(record.conversation_id), mapping={"state": "bot", "handoff": ""})
        pipe.zadd(RESOLVED, {handoff_id: updated.resolved_at})
        pipe.execute()
        self._event("handoff_resolved", handoff_id, outcome=outcome)
        return updated

    def recent_handle_seconds(self, limit: int = 50) -> list[float]:
        """How long agents took, claim to resolve, on the last ``limit`` resolved handoffs."""
        handled = [r.handle_seconds for r in self.records(self._redis.zrevrange(RESOLVED, 0, limit - 1))]
        return [seconds for seconds in handled if seconds is not None and seconds >= 0]

    def count_for_conversation(self, conversation_id: str, since: float) -> int:
        """How many handoffs of the conversation were opened from ``since`` on (a repeat contact)."""
        return int(self._redis.zcount(_by_conversation_key(conversation_id), since, "+inf"))

    def for_conversation(self, conversation_id: str, limit: int = 20) -> list[HandoffRecord]:
        """The conversation's newest handoffs (at most ``limit``), oldest first."""
        ids = self._redis.zrevrange(_by_conversation_key(conversation_id), 0, limit - 1)
        return list(reversed(self.records(ids)))

    # -- bulk reads ----------------------------------------------------------------------
    def records(self, handoff_ids: Iterable[Any]) -> list[HandoffRecord]:
        """The records of ``handoff_ids`` in that order, one MGET per 500; missing ones are skipped."""
        found = []
        for chunk in _chunks([as_text(i) for i in handoff_ids]):
            for raw in self._redis.mget([self._key(i) for i in chunk]):
                if raw:
                    found.append(HandoffRecord(**json.loads(raw)))
        return found

    def assigned(self) -> list[HandoffRecord]:
        """Claimed handoffs not resolved yet, the longest held first; stale ids leave the index."""
        ids = sorted(as_text(i) for i in self._redis.smembers(ASSIGNED))
        records = [r for r in self.records(ids) if r.status == "assigned"]
        stale = set(ids) - {r.handoff_id for r in records}
        if stale:
            self._redis.srem(ASSIGNED, *stale)
        return sorted(records, key=lambda r: r.claimed_at or 0.0)

    def resolved_since(self, since: float | None = None, latest: int | None = None) -> list[HandoffRecord]:
        """Handoffs resolved from ``since`` on (all if None), newest first; only ``latest`` of them if given."""
        low = "-inf" if since is None else since
        if latest is None:
            ids = self._redis.zrevrangebyscore(RESOLVED, "+inf", low)
        else:
            ids = self._redis.zrevrangebyscore(RESOLVED, "+inf", low, start=0, num=latest)
        return [r for r in self.records(ids) if r.status == "resolved"]

    def records_between(self, since: float, until: float, resolved_only: bool = False) -> list[HandoffRecord]:
        """Handoffs opened in ``[since, until)``, oldest first: resolved ones, and unless
        ``resolved_only`` those still queued or with an agent."""
        # One opened at ``since`` or later was resolved at ``since`` or later.
        ids = {as_text(i) for i in self._redis.zrangebyscore(RESOLVED, since, "+inf")}
        if not resolved_only:
            ids.update(as_text(i) for i in self._redis.zrange(QUEUE, 0, -1))
            ids.update(as_text(i) for i in self._redis.smembers(ASSIGNED))
        records = [r for r in self.records(sorted(ids)) if since <= r.created_at < until]
        if resolved_only:
            records = [r for r in records if r.status == "resolved"]
        return sorted(records, key=lambda r: (r.created_at, r.handoff_id))

    # -- internals -----------------------------------------------------------------------
    def _save(self, record: HandoffRecord) -> None:
        self._redis.set(self._key(record.handoff_id), json.dumps(asdict(record), ensure_ascii=False))

    def _event(self, kind: str, handoff_id: str, **fields: Any) -> None:
        entry: Mapping[str, Any] = {"type": kind, "handoff_id": handoff_id, **{k: str(v) for k, v in fields.items()}}
        self._redis.xadd(EVENTS_STREAM, entry, maxlen=10000, approximate=True)

    @staticmethod
    def _encode_turn(turn: Turn) -> str:
        return json.dumps(asdict(replace(turn, text=mask_pii(turn.text) if turn.role == "user" else turn.text)), ensure_ascii=False)

    @staticmethod
    def _key(handoff_id: str) -> str:
        return f"cs:handoff:{handoff_id}"

    @staticmethod
    def _transcript_key(handoff_id: str) -> str:
        return f"cs:handoff:{handoff_id}:transcript"


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
