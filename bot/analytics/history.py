"""Contacts, read back from Rasa's trackers in Redis. Read-only.

Handoffs, tickets and ratings are read through their stores (``HandoffStore.records_between``,
``TicketStore.tickets_between``, ``FeedbackStore.ratings_between``); the figures
(``bot.analytics.figures``) and the case library (``bot.analytics.cases``) combine them with these.

Contacts come from Rasa's tracker store (``cs:tracker:<conversation>``, one JSON document per
conversation, written by Rasa): a *contact* is one Rasa session (they start again after 60
idle minutes, ``session_config`` in domain.yml) in which the customer asked for something —
a message whose intent has a request category in ``data/service/triage.yml``. Greetings,
thanks, yes/no, ratings and the channel's ``/handoff_resolved`` do not make a contact.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from bot.knowledge.base import FAQ_INTENT
from bot.redis_text import as_text
from bot.service.emotion import emotion_of

TRACKER_PREFIX = "cs:tracker:"  # Rasa's RedisTrackerStore with key_prefix "cs" (endpoints.yml)
_CHUNK = 500


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


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
    session_end: float | None  # the next session's start; None for the latest session
    messages: tuple[Message, ...]  # the request messages, oldest first
    emotions: tuple[str, ...] = ()  # the emotion label of every user message of the session, oldest first

    @property
    def started_at(self) -> float:
        """When the first request of the session was made."""
        return self.messages[0].at

    @property
    def ended_at(self) -> float:
        """When the last request of the session was made."""
        return self.messages[-1].at

    @property
    def problems(self) -> tuple[str, ...]:
        """The distinct problems raised, in order."""
        return tuple(dict.fromkeys(m.problem for m in self.messages))

    @property
    def categories(self) -> tuple[str, ...]:
        """The distinct request categories, in order."""
        return tuple(dict.fromkeys(m.category for m in self.messages))


def faq_key(parse_data: Mapping[str, Any]) -> str | None:
    """The knowledge-base entry ("faq/<id>") the response selector picked, if any."""
    selectors = parse_data.get("response_selector") or {}
    for name in (FAQ_INTENT, "default"):
        response = (selectors.get(name) or {}).get("response") or {}
        key = response.get("intent_response_key")
        if isinstance(key, str) and key.startswith(f"{FAQ_INTENT}/"):
            return key
    return None


def contacts_of(conversation_id: str, events: Sequence[Mapping[str, Any]], categories: Mapping[str, str]) -> list[Contact]:
    """The contacts in one tracker's events; ``categories`` maps intents to request categories."""
    sessions: list[tuple[float, list[Message], str, list[str]]] = []
    start: float | None = None
    current: list[Message] = []
    feelings: list[str] = []
    channel = ""
    for event in events:
        kind = event.get("event")
        at = float(event.get("timestamp") or 0.0)
        if kind == "session_started":
            if start is not None:
                sessions.append((start, current, channel, feelings))
            start, current, feelings = at, [], []
            continue
        if start is None:
            start = at
        if kind != "user":
            continue
        channel = event.get("input_channel") or channel
        parse_data = event.get("parse_data") or {}
        reading = emotion_of(parse_data)
        if reading is not None:
            feelings.append(reading.label)
        intent = str((parse_data.get("intent") or {}).get("name") or "")
        category = categories.get(intent, "")
        if not category:
            continue
        problem = (faq_key(parse_data) or intent) if intent == FAQ_INTENT else intent
        current.append(Message(at, intent, problem, category))
    if start is not None:
        sessions.append((start, current, channel, feelings))
    contacts = []
    for index, (session_start, messages, session_channel, session_feelings) in enumerate(sessions):
        if not messages:
            continue
        end = sessions[index + 1][0] if index + 1 < len(sessions) else None
        contacts.append(Contact(conversation_id, session_channel, session_start, end, tuple(messages),
                                tuple(session_feelings)))
    return contacts


def conversations(client: redis.Redis, categories: Mapping[str, str], since: float) -> dict[str, list[Contact]]:
    """Every conversation's contacts from ``since`` on, by conversation id (SCAN over the trackers)."""
    found: dict[str, list[Contact]] = {}
    keys = [as_text(k) for k in client.scan_iter(match=f"{TRACKER_PREFIX}*", count=1000)]
    for chunk in _chunks(keys):
        for key, raw in zip(chunk, client.mget(chunk), strict=False):
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
