"""Handoffs to human agents, kept in Redis: the record, the priority queue, claims, transcript.

Keys:
  cs:handoff:<id>              the record (JSON)
  cs:handoff:<id>:transcript   list of turns (JSON), oldest first
  cs:handoff:queue             waiting handoffs, ordered by priority then waiting time
  cs:handoff:resolved          resolved handoffs by resolve time
  cs:conversation:<cid>        hash: state (bot | queued | agent), handoff id
  cs:events                    stream of changes, for live consoles
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Dict, List, Mapping, Optional

import redis

from bot.pii import mask_pii

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
EVENTS_STREAM = "cs:events"
QUEUE = "cs:handoff:queue"
RESOLVED = "cs:handoff:resolved"
# Claimed handoffs, indexed by the console so each agent finds their own (console/agent_desk.py).
ASSIGNED = "cs:console:assigned"
_RANK_WEIGHT = 10 ** 11  # larger than any epoch seconds, so priority always sorts first


class HandoffError(Exception):
    """Base class for handoff store errors."""


class HandoffNotFound(HandoffError):
    """No handoff with that id."""


class HandoffConflict(HandoffError):
    """The handoff is not in a state that allows this (e.g. already claimed)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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
    signals: List[str] = field(default_factory=list)
    top_intents: List[Dict[str, Any]] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    profile: Dict[str, Any] = field(default_factory=dict)
    complaints_in_window: int = 0
    suggestions: List[Dict[str, Any]] = field(default_factory=list)
    agent: str = ""
    claimed_at: Optional[float] = None
    resolved_at: Optional[float] = None
    outcome: str = ""
    follow_up_at: Optional[float] = None
    language: str = "zh"


class HandoffStore:
    """Open, queue, claim, converse in, and resolve handoffs in the shared Redis."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = _now) -> None:
        self._redis = client
        self._clock = clock

    # -- conversation state -------------------------------------------------------------
    def state(self, conversation_id: str) -> str:
        """bot, queued or agent."""
        value = self._redis.hget(f"cs:conversation:{conversation_id}", "state")
        return _text(value) if value else "bot"

    def active_handoff(self, conversation_id: str) -> Optional[str]:
        """The id of the conversation's open handoff, if it is with a person."""
        if self.state(conversation_id) == "bot":
            return None
        value = self._redis.hget(f"cs:conversation:{conversation_id}", "handoff")
        return _text(value) if value else None

    # -- lifecycle ------------------------------------------------------------------------
    def open(self, record: HandoffRecord, transcript: List[Turn]) -> HandoffRecord:
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
        pipe.hset(f"cs:conversation:{record.conversation_id}", mapping={"state": "queued", "handoff": record.handoff_id})
        pipe.execute()
        self._event("handoff_opened", record.handoff_id, priority=record.priority)
        return record

    def get(self, handoff_id: str) -> HandoffRecord:
        """The record; HandoffNotFound if there is none."""
        raw = self._redis.get(self._key(handoff_id))
        if raw is None:
            raise HandoffNotFound(handoff_id)
        return HandoffRecord(**json.loads(raw))

    def transcript(self, handoff_id: str) -> List[Turn]:
        """The transcript, oldest first."""
        return [Turn(**json.loads(item)) for item in self._redis.lrange(self._transcript_key(handoff_id), 0, -1)]

    def queue(self) -> List[HandoffRecord]:
        """Waiting handoffs: high priority first, then the longest waiting."""
        return [self.get(_text(i)) for i in self._redis.zrange(QUEUE, 0, -1)]

    def position(self, handoff_id: str) -> Optional[int]:
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
            pipe.hset(f"cs:conversation:{record.conversation_id}", mapping={"state": "agent", "agent": agent})

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
        self._redis.hset(f"cs:conversation:{record.conversation_id}", "agent", to_agent)
        self._event("handoff_transferred", handoff_id, agent=to_agent)
        return updated

    def resolve(self, handoff_id: str, outcome: str = "resolved", follow_up_at: Optional[float] = None) -> HandoffRecord:
        """Close the handoff and give the conversation back to the bot."""
        record = self.get(handoff_id)
        if record.status == "resolved":
            raise HandoffConflict(f"handoff {handoff_id} is already resolved")
        updated = replace(record, status="resolved", resolved_at=self._clock().timestamp(), outcome=outcome, follow_up_at=follow_up_at)
        pipe = self._redis.pipeline()
        pipe.set(self._key(handoff_id), json.dumps(asdict(updated), ensure_ascii=False))
        pipe.zrem(QUEUE, handoff_id)
        pipe.hset(f"cs:conversation:{record.conversation_id}", mapping={"state": "bot", "handoff": ""})
        pipe.zadd(RESOLVED, {handoff_id: updated.resolved_at})
        pipe.execute()
        self._event("handoff_resolved", handoff_id, outcome=outcome)
        return updated

    def recent_handle_seconds(self, limit: int = 50) -> List[float]:
        """How long agents took, claim to resolve, on the last ``limit`` resolved handoffs."""
        durations = []
        for handoff_id in self._redis.zrevrange(RESOLVED, 0, limit - 1):
            try:
                record = self.get(_text(handoff_id))
            except HandoffNotFound:
                continue
            if record.claimed_at and record.resolved_at and record.resolved_at >= record.claimed_at:
                durations.append(record.resolved_at - record.claimed_at)
        return durations

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


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value
