"""What happened, read back from Redis by time: handoffs, tickets, ratings and contacts.

Read-only. The case library (``bot.analytics.cases``) and the figures (``bot.analytics.figures``) are built on it.

Contacts come from Rasa's tracker store (``cs:tracker:<conversation>``, one JSON document per
conversation, written by Rasa): a *contact* is one Rasa session (they start again after 60
idle minutes, ``session_config`` in domain.yml) in which the customer asked for something —
a message whose intent has a request category in ``data/service/triage.yml``. Greetings,
thanks, yes/no, ratings and the channel's ``/handoff_resolved`` do not make a contact.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import redis

from bot.service.feedback import RATING_STREAM
from bot.handoff.store import ASSIGNED, QUEUE, RESOLVED, HandoffRecord
from bot.knowledge.base import FAQ_INTENT
from bot.analytics.periods import Period
from bot.service.tickets import Ticket

TRACKER_PREFIX = "cs:tracker:"  # Rasa's RedisTrackerStore with key_prefix "cs" (endpoints.yml)
_CHUNK = 500


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _handoff_records(client: redis.Redis, ids: Iterable[str]) -> List[HandoffRecord]:
    records = []
    for chunk in _chunks(sorted({_text(i) for i in ids})):
        for raw in client.mget([f"cs:handoff:{i}" for i in chunk]):
            if raw:
                records.append(HandoffRecord(**json.loads(raw)))
    return records


def handoffs(client: redis.Redis, period: Period, resolved_only: bool = False) -> List[HandoffRecord]:
    """Handoffs opened in ``period``, oldest first: resolved ones, and unless ``resolved_only``
    those still queued or with an agent."""
    ids = [_text(i) for i in client.zrangebyscore(RESOLVED, period.since, "+inf")]
    if not resolved_only:
        ids += [_text(i) for i in client.zrange(QUEUE, 0, -1)]
        ids += [_text(i) for i in client.smembers(ASSIGNED)]
    records = [r for r in _handoff_records(client, ids) if r.created_at in period]
    if resolved_only:
        records = [r for r in records if r.status == "resolved"]
    return sorted(records, key=lambda r: (r.created_at, r.handoff_id))


def tickets(client: redis.Redis, period: Period) -> List[Ticket]:
    """Tickets opened in ``period``, oldest first."""
    ids = [_text(i) for i in client.zrangebyscore("cs:tickets", period.since, f"({period.until}")]
    found = []
    for chunk in _chunks(ids):
        pipe = client.pipeline()
        for ticket_id in chunk:
            pipe.hgetall(f"cs:ticket:{ticket_id}")
        for raw in pipe.execute():
            if raw:
                values = {_text(k): json.loads(v) for k, v in raw.items()}
                values["tags"] = tuple(values.get("tags") or ())
                found.append(Ticket(**values))
    return sorted(found, key=lambda t: (t.created_at, t.ticket_id))


@dataclass(frozen=True)
class Rating:
    """One 1–5 satisfaction rating from the ``cs:ratings`` stream."""

    conversation_id: str
    rating: int
    at: float
    channel: str = ""
    ticket_id: str = ""


def ratings(client: redis.Redis, since: float, until: float) -> List[Rating]:
    """Ratings given in ``[since, until)`` (by their ``at``), oldest first.

    The stream's entry ids are the Redis server's receive times in milliseconds: reading starts
    a day before ``since`` (room for clock skew) and runs to the end, as a rating can arrive
    after the conversation it rates.
    """
    found = []
    low = f"{max(0, int((since - 86400) * 1000))}-0"
    while True:
        entries = client.xrange(RATING_STREAM, min=low, max="+", count=1000)
        for entry_id, fields in entries:
            fields = {_text(k): _text(v) for k, v in fields.items()}
            try:
                rating, at = int(float(fields.get("rating", ""))), float(fields.get("at", ""))
            except ValueError:
                continue
            if 1 <= rating <= 5 and since <= at < until:
                found.append(Rating(fields.get("conversation_id", ""), rating, at,
                                    fields.get("channel", ""), fields.get("ticket_id", "")))
        if len(entries) < 1000:
            break
        millis, _, sequence = _text(entries[-1][0]).partition("-")
        low = f"{millis}-{int(sequence or 0) + 1}"  # just after the last one read
    return sorted(found, key=lambda r: r.at)


# -- contacts, from Rasa's trackers ------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One user message as Rasa understood it."""

    at: float
    intent: str
    problem: str  # "faq/<id>" for a knowledge-base question, else the intent
    category: str  # the triage category of the intent


@dataclass(frozen=True)
class Contact:
    """One session of one conversation in which the customer asked for something."""

    conversation_id: str
    channel: str
    session_start: float  # the session_started event (or the first event)
    session_end: Optional[float]  # the next session's start; None for the latest session
    messages: Tuple[Message, ...]  # the request messages, oldest first

    @property
    def started_at(self) -> float:
        """When the first request of the session was made."""
        return self.messages[0].at

    @property
    def ended_at(self) -> float:
        """When the last request of the session was made."""
        return self.messages[-1].at

    @property
    def problems(self) -> Tuple[str, ...]:
        """The distinct problems raised, in order."""
        return tuple(dict.fromkeys(m.problem for m in self.messages))

    @property
    def categories(self) -> Tuple[str, ...]:
        """The distinct request categories, in order."""
        return tuple(dict.fromkeys(m.category for m in self.messages))


def faq_key(parse_data: Mapping[str, Any]) -> Optional[str]:
    """The knowledge-base entry ("faq/<id>") the response selector picked, if any."""
    selectors = parse_data.get("response_selector") or {}
    for name in (FAQ_INTENT, "default"):
        response = (selectors.get(name) or {}).get("response") or {}
        key = response.get("intent_response_key")
        if isinstance(key, str) and key.startswith(f"{FAQ_INTENT}/"):
            return key
    return None


def contacts_of(conversation_id: str, events: Sequence[Mapping[str, Any]], categories: Mapping[str, str]) -> List[Contact]:
    """The contacts in one tracker's events; ``categories`` maps intents to request categories."""
    sessions: List[Tuple[float, List[Message], str]] = []
    start: Optional[float] = None
    current: List[Message] = []
    channel = ""
    for event in events:
        kind = event.get("event")
        at = float(event.get("timestamp") or 0.0)
        if kind == "session_started":
            if start is not None:
                sessions.append((start, current, channel))
            start, current = at, []
            continue
        if start is None:
            start = at
        if kind != "user":
            continue
        channel = event.get("input_channel") or channel
        parse_data = event.get("parse_data") or {}
        intent = str((parse_data.get("intent") or {}).get("name") or "")
        category = categories.get(intent, "")
        if not category:
            continue
        problem = (faq_key(parse_data) or intent) if intent == FAQ_INTENT else intent
        current.append(Message(at, intent, problem, category))
    if start is not None:
        sessions.append((start, current, channel))
    contacts = []
    for index, (session_start, messages, session_channel) in enumerate(sessions):
        if not messages:
            continue
        end = sessions[index + 1][0] if index + 1 < len(sessions) else None
        contacts.append(Contact(conversation_id, session_channel, session_start, end, tuple(messages)))
    return contacts


def conversations(client: redis.Redis, categories: Mapping[str, str], since: float) -> Dict[str, List[Contact]]:
    """Every conversation's contacts from ``since`` on, by conversation id (SCAN over the trackers)."""
    found: Dict[str, List[Contact]] = {}
    keys = [_text(k) for k in client.scan_iter(match=f"{TRACKER_PREFIX}*", count=1000)]
    for chunk in _chunks(keys):
        for key, raw in zip(chunk, client.mget(chunk)):
            if not raw:
                continue
            try:
                tracker = json.loads(raw)
            except ValueError:
                continue
            conversation_id = key[len(TRACKER_PREFIX):]
            contacts = [c for c in contacts_of(conversation_id, tracker.get("events") or [], categories)
                        if c.ended_at >= since]
            if contacts:
                found[conversation_id] = contacts
    return found


def channel_of(client: redis.Redis, conversation_id: str) -> str:
    """The channel a conversation last came in on, from its tracker ("" if unknown)."""
    raw = client.get(f"{TRACKER_PREFIX}{conversation_id}")
    if not raw:
        return ""
    try:
        events = json.loads(raw).get("events") or []
    except ValueError:
        return ""
    for event in reversed(events):
        if event.get("event") == "user" and event.get("input_channel"):
            return str(event["input_channel"])
    return ""
