"""Read the escalation signals off a conversation's events (Rasa tracker events as dicts)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.knowledge.base import FAQ_INTENT, selected_entry
from bot.service.emotion import emotion_of
from bot.service.escalation import Signals
from bot.service.triage import Triage, more_serious

ASK_RESOLVED = "utter_ask_resolved"
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)")
_REFUND_WORDS = ("退", "refund", "money back")


def session_events(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events of the current session (after the last session_started)."""
    start = 0
    for index, event in enumerate(events):
        if event.get("event") == "session_started":
            start = index + 1
    return list(events[start:])


def _intent(event: Mapping[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def problem_label(parse_data: Mapping[str, Any], requests: Iterable[str]) -> str:
    """The request a message is about: ``faq/<id>`` for a FAQ, the intent for other requests, else ''."""
    intent = (parse_data.get("intent") or {}).get("name") or ""
    if intent == FAQ_INTENT:
        return selected_entry(parse_data) or FAQ_INTENT
    return intent if intent in requests else ""


def same_problem_count(events: Sequence[Mapping[str, Any]], latest_message: Mapping[str, Any], requests: Iterable[str]) -> int:
    """How many times this session raised the latest message's problem, it included.

    Messages about one problem until the bot asks "is it solved?" are one raising of it (a
    complaint opened, then told in detail, is raised once); asked again after that, it counts
    again. Without the bot's turns (the triage evaluation replays user messages only), a
    message about another problem or none in between separates two raisings.
    """
    requests = tuple(requests)
    label = problem_label(latest_message, requests)
    if not label:
        return 0
    current = session_events(events)
    with_bot_turns = any(e.get("event") == "action" for e in current)
    count, open_, previous = 0, False, ""
    for event in current:
        if event.get("event") == "action" and event.get("name") == ASK_RESOLVED:
            open_ = False
        elif event.get("event") == "user":
            this = problem_label(event.get("parse_data") or {}, requests)
            if this == label and (not open_ if with_bot_turns else previous != label):
                count += 1
                open_ = True
            previous = this
    return max(count, 1)


def earlier_priority_reasons(events: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The priority reasons set earlier in this session (a stolen account stays urgent through "ok")."""
    found: list[str] = []
    for event in session_events(events):
        if event.get("event") == "slot" and event.get("name") == "priority_reasons":
            found += [str(r) for r in event.get("value") or [] if str(r) not in found]
    return tuple(found)


def session_category(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The most serious request category set earlier in this session (a complaint stays one)."""
    category: str | None = None
    for event in session_events(events):
        if event.get("event") == "slot" and event.get("name") == "request_category" and event.get("value"):
            category = more_serious(category, str(event["value"]))
    return category


def not_helped_count(events: Sequence[Mapping[str, Any]]) -> int:
    """How often the user said no to "is your problem solved?"."""
    count, asked = 0, False
    for event in events:
        kind = event.get("event")
        if kind == "action" and event.get("name") not in (None, "action_listen"):
            asked = event.get("name") == ASK_RESOLVED
        elif kind == "user":
            if asked and _intent(event) == "deny":
                count += 1
            asked = False
    return count


def refund_amount(latest_message: Mapping[str, Any]) -> float | None:
    """An amount the user asks to have refunded, from the ``amount`` entity of a refund request."""
    text = (latest_message.get("text") or "").lower()
    if not any(word in text for word in _REFUND_WORDS):
        return None
    for entity in latest_message.get("entities") or []:
        if entity.get("entity") == "amount":
            match = _AMOUNT.search(str(entity.get("value")).replace(",", ""))
            if match:
                return float(match.group(1))
    return None


def gather(
    events: Sequence[Mapping[str, Any]],
    latest_message: Mapping[str, Any],
    result: Triage,
    requests: Iterable[str],
    priority: str,
    vip: bool,
    complaints_in_window: int,
) -> Signals:
    """Signals for :func:`bot.service.escalation.decide` at the latest user message."""
    current = session_events(events)
    requests = tuple(requests)
    users = [e for e in current if e.get("event") == "user"]
    return Signals(
        text=latest_message.get("text") or "",
        intent=(latest_message.get("intent") or {}).get("name"),
        category=result.category,
        priority=priority,
        priority_reasons=result.reasons,
        vip=vip,
        recent_intents=tuple(_intent(e) or "" for e in users),
        recent_problems=tuple(problem_label(e.get("parse_data") or {}, requests) for e in users),
        not_helped_count=not_helped_count(current),
        complaints_in_window=complaints_in_window,
        refund_amount=refund_amount(latest_message),
        emotion=emotion_of(latest_message),
    )
