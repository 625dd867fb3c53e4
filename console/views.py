"""How handoffs look to the console: masked personal data, wait times, alerts. Pure functions."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bot.handoff.store import HandoffRecord, Turn
from bot.pii import mask_pii
from console.users import User


def masked(value: Any) -> Any:
    """``value`` with every string in it passed through mask_pii (lists and dicts walked)."""
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    return value


def wait_seconds(record: HandoffRecord, now: float) -> float:
    """How long the user waited for a person: until the claim, or until now if still queued."""
    end = record.claimed_at if record.claimed_at is not None else (record.resolved_at or now)
    return round(max(0.0, end - record.created_at), 1)


def permissions(record: HandoffRecord, user: User, offered: bool = True) -> dict[str, bool]:
    """What ``user`` may do with the handoff now, so the page shows only usable buttons.

    ``offered``: the handoff is in the user's queue (routing.yml); supervisors may claim it anyway.
    """
    owns = record.status == "assigned" and (record.agent == user.username or user.is_supervisor)
    return {
        "claim": record.status == "queued" and (offered or user.is_supervisor),
        "reply": owns,
        "note": True,
        "transfer": owns,
        "resolve": owns or (record.status == "queued" and user.is_supervisor),
    }


def summary_view(record: HandoffRecord, now: float, position: int | None) -> dict[str, Any]:
    """A queue row."""
    return {
        "handoff_id": record.handoff_id,
        # A sender id may itself be a phone number or an e-mail address (REST lets clients pick it).
        "conversation_id": mask_pii(record.conversation_id),
        "channel": record.channel,
        "category": record.category,
        "priority": record.priority,
        "priority_reasons": list(record.priority_reasons),
        "reason": record.reason,
        "summary": mask_pii(record.summary),
        "status": record.status,
        "agent": record.agent,
        "language": record.language,
        "created_at": record.created_at,
        "claimed_at": record.claimed_at,
        "wait_seconds": wait_seconds(record, now),
        "position": position,
        "vip_tier": (record.profile or {}).get("vip_tier"),
        "complaints_in_window": record.complaints_in_window,
    }


def turn_view(turn: Turn) -> dict[str, Any]:
    """A transcript line; the user's own words masked."""
    data = asdict(turn)
    if turn.role == "user":
        data["text"] = mask_pii(turn.text)
    return data


def alerts(record: HandoffRecord, repeat_count: int, repeat_days: int) -> list[dict[str, Any]]:
    """Things the agent must see first, e.g. a customer who complained often lately."""
    found: list[dict[str, Any]] = []
    if record.complaints_in_window >= repeat_count:
        found.append({"type": "repeat_complaints", "count": record.complaints_in_window, "days": repeat_days})
    if (record.profile or {}).get("vip_tier"):
        found.append({"type": "vip", "tier": record.profile["vip_tier"]})
    return found


def detail_view(
    record: HandoffRecord,
    transcript: Sequence[Turn],
    now: float,
    position: int | None,
    user: User,
    suggestions: list[dict[str, Any]],
    record_alerts: list[dict[str, Any]],
    routing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything about one handoff for the agent's screen; ``routing`` while it waits (why it is,
    or is not yet, offered to ``user``)."""
    record_data = asdict(record)
    record_data["slots"] = masked(record.slots)
    record_data["summary"] = mask_pii(record.summary)
    record_data["conversation_id"] = mask_pii(record.conversation_id)
    return {
        "handoff": record_data,
        "transcript": [turn_view(turn) for turn in transcript],
        "wait_seconds": wait_seconds(record, now),
        "position": position,
        "suggestions": suggestions,
        "alerts": record_alerts,
        "routing": routing,
        "permissions": permissions(record, user, routing is None or bool(routing["offered"])),
    }
