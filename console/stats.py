"""Figures for supervisors: the queue now, handling times, reasons, satisfaction, who is online."""
from __future__ import annotations

from collections import Counter
from typing import Any

import redis

from bot.analytics.measures import average, csat, handling_times
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from bot.service.feedback import FeedbackStore

MAX_RESOLVED = 5000  # the latest resolved handoffs that averages are taken over
MAX_RATINGS = 10000  # the latest ratings


def compute_stats(client: redis.Redis, now: float, since: float | None = None) -> dict[str, Any]:
    """All figures of the stats view; resolved handoffs and ratings counted from ``since`` if given."""
    handoffs = HandoffStore(client)
    queued = handoffs.queue()
    waits = [max(0.0, now - r.created_at) for r in queued]
    resolved = handoffs.resolved_since(since, latest=MAX_RESOLVED)
    times = handling_times(resolved)
    assigned = handoffs.assigned()
    ratings = [r.rating for r in FeedbackStore(client).ratings_between(since or 0.0, latest=MAX_RATINGS)]
    online = sorted(AgentPresence(client, clock=lambda: now).online())
    return {
        "now": now,
        "since": since,
        "queue": {
            "length": len(queued),
            "max_wait_seconds": round(max(waits), 1) if waits else None,
            "avg_wait_seconds": average(waits),
            "by_priority": dict(Counter(r.priority for r in queued)),
        },
        "assigned": len(assigned),
        "resolved": {
            "count": len(resolved),
            "follow_up": sum(1 for r in resolved if r.outcome == "follow_up"),
            "avg_wait_until_claim_seconds": times["avg_wait_seconds"],
            "avg_handle_seconds": times["avg_handle_seconds"],
        },
        "by_reason": dict(Counter(r.reason for r in [*queued, *assigned, *resolved]).most_common()),
        "csat": csat(ratings),
        "agents_online": {"count": len(online), "usernames": online},
    }
