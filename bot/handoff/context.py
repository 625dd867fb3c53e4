"""Everything an agent needs at a glance, built from a conversation's events (no Rasa import).

The events are Rasa's tracker events as dicts (what the action server receives), so this
works the same from an action, a test or a replay.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.handoff.store import HandoffRecord, Turn
from bot.knowledge.answer_suggestions import Suggester
from bot.knowledge.base import KnowledgeBase
from bot.pii import mask_pii
from bot.service.emotion import latest_emotion

SUMMARY_USER_TURNS = 3
SUMMARY_MAX_CHARS = 240
# Slots that are bookkeeping, not facts about the customer's problem.
_INTERNAL_SLOTS = {
    "requested_slot", "session_started_metadata", "handoff_offered", "handoff_declined", "handoff_signals",
    "priority_reasons", "emotion", "emotion_score",  # on the record itself
}


def transcript(events: Iterable[Mapping[str, Any]]) -> list[Turn]:
    """User and bot turns with text, oldest first, with their timestamps."""
    turns = []
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if kind in ("user", "bot") and text:
            turns.append(Turn(role=kind, text=str(text), at=float(event.get("timestamp") or 0.0)))
    return turns


def top_intents(latest_message: Mapping[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """The NLU's best guesses for the last message, with confidences rounded for display."""
    ranking = latest_message.get("intent_ranking") or [latest_message.get("intent") or {}]
    return [
        {"name": item.get("name"), "confidence": round(float(item.get("confidence") or 0.0), 3)}
        for item in ranking[:limit]
        if item.get("name")
    ]


def summary(turns: Sequence[Turn], category: str, reason: str) -> str:
    """A one-line, masked summary: category and reason, then what the user said last."""
    said = [t.text.strip() for t in turns if t.role == "user" and t.text.strip() and not t.text.startswith("/")]
    latest = " / ".join(said[-SUMMARY_USER_TURNS:])
    line = f"[{category or 'inquiry'} · {reason}] {latest}"
    if len(line) > SUMMARY_MAX_CHARS:
        line = line[: SUMMARY_MAX_CHARS - 1] + "…"
    return mask_pii(line)


def suggest_answers(knowledge: KnowledgeBase, text: str, language: str | None, limit: int = 3) -> list[dict[str, Any]]:
    """Knowledge-base answers that look most like what the user said, for the agent to reuse."""
    return [s.as_dict() for s in Suggester(knowledge).rank(text, language, limit)]


def visible_slots(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The slots with a value, personal data masked, bookkeeping left out."""
    shown = {}
    for name, value in slots.items():
        if value in (None, "", []) or name in _INTERNAL_SLOTS:
            continue
        shown[name] = mask_pii(value) if isinstance(value, str) else value
    return shown


def build_record(
    *,
    conversation_id: str,
    channel: str,
    events: Sequence[Mapping[str, Any]],
    slots: Mapping[str, Any],
    latest_message: Mapping[str, Any],
    reason: str,
    signals: Sequence[str],
    profile: Mapping[str, Any],
    complaints_in_window: int,
    knowledge: KnowledgeBase,
    now: float | None = None,
) -> tuple:
    """The handoff record and its transcript for a conversation handed over for ``reason``."""
    turns = transcript(events)
    category = str(slots.get("request_category") or "inquiry")
    language = str(slots.get("language") or "zh")
    user_text = " ".join(t.text for t in turns if t.role == "user")[-400:]
    reading = latest_emotion(events, latest_message)
    record = HandoffRecord(
        handoff_id="",
        conversation_id=conversation_id,
        channel=channel or "rest",
        category=category,
        priority=str(slots.get("priority") or "normal"),
        priority_reasons=[str(r) for r in slots.get("priority_reasons") or []],
        emotion=reading.as_dict() if reading else {},
        reason=reason,
        summary=summary(turns, category, reason),
        created_at=now if now is not None else time.time(),
        signals=list(signals),
        top_intents=top_intents(latest_message),
        slots=visible_slots(slots),
        profile=dict(profile),
        complaints_in_window=complaints_in_window,
        suggestions=suggest_answers(knowledge, user_text, language),
        language=language,
    )
    return record, turns
