"""Figures for supervisors: the queue now, handling times, reasons, satisfaction, who is online."""
from __future__ import annotations

import json
from collections import Counter
from statistics import mean
from typing import Any, Dict, Iterable, List, Optional

import redis

from console.agent_desk import ASSIGNED
from bot.service.feedback import RATING_STREAM
from bot.handoff.store import QUEUE, RESOLVED, HandoffRecord
from bot.handoff.presence import AgentPresence

MAX_RESOLVED = 5000  # the latest resolved handoffs that averages are taken over
MAX_RATINGS = 10000  # the latest ratings
_CHUNK = 500


def _records(client: redis.Redis, handoff_ids: List[str]) -> List[HandoffRecord]:
    records = []
    for start in range(0, len(handoff_ids), _CHUNK):
        chunk = handoff_ids[start:start + _CHUNK]
        for raw in client.mget([f"cs:handoff:{i}" for i in chunk]):
            if raw:
                records.append(HandoffRecord(**json.loads(raw)))
    return records


def _avg(values: Iterable[float]) -> Optional[float]:
    values = list(values)
    return round(mean(values), 1) if values else None


def _ratings(client: redis.Redis, since: Optional[float]) -> List[int]:
    low = f"{int(since * 1000)}-0" if since is not None else "-"
    ratings = []
    for _entry_id, fields in client.xrevrange(RATING_STREAM, max="+", min=low, count=MAX_RATINGS):
        try:
            rating = int(float(fields.get("rating", "")))
        except ValueError:
            continue
        if 1 <= rating <= 5:
            ratings.append(rating)
    return ratings


def compute_stats(client: redis.Redis, now: float, since: Optional[float] = None) -> Dict[str, Any]:
    """All figures of the stats view; resolved handoffs and ratings counted from ``since`` if given."""
    queued = _records(client, list(client.zrange(QUEUE, 0, -1)))
    waits = [max(0.0, now - r.created_at) for r in queued]
    low = since if since is not None else "-inf"
    resolved_ids = client.zrevrangebyscore(RESOLVED, "+inf", low, start=0, num=MAX_RESOLVED)
    resolved = [r for r in _records(client, list(resolved_ids)) if r.status == "resolved"]
    claimed = [r for r in resolved if r.claimed_at is not None]
    assigned = _records(client, sorted(client.smembers(ASSIGNED)))
    assigned = [r for r in assigned if r.status == "assigned"]
    ratings = _ratings(client, since)
    online = sorted(AgentPresence(client, clock=lambda: now).online())
    return {
        "now": now,
        "since": since,
        "queue": {
            "length": len(queued),
            "max_wait_seconds": round(max(waits), 1) if waits else None,
            "avg_wait_seconds": _avg(waits),
            "by_priority": dict(Counter(r.priority for r in queued)),
        },
        "assigned": len(assigned),
        "resolved": {
            "count": len(resolved),
            "follow_up": sum(1 for r in resolved if r.outcome == "follow_up"),
            "avg_wait_until_claim_seconds": _avg(r.claimed_at - r.created_at for r in claimed),
            "avg_handle_seconds": _avg(r.resolved_at - r.claimed_at for r in claimed if r.resolved_at),
        },
        "by_reason": dict(Counter(r.reason for r in [*queued, *assigned, *resolved]).most_common()),
        "csat": {
            "ratings": len(ratings),
            "average": round(mean(ratings), 2) if ratings else None,
            "five_star_rate": round(ratings.count(5) / len(ratings), 3) if ratings else None,
            "by_score": {str(score): ratings.count(score) for score in range(1, 6)},
        },
        "agents_online": {"count": len(online), "usernames": online},
    }
