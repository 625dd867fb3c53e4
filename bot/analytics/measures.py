"""The service measures that both the weekly figures and the console's live stats show: CSAT and
wait / handle times, computed here only, so the two never disagree on the same data."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from statistics import mean
from typing import Any

from bot.handoff.store import HandoffRecord


def average(values: Iterable[float], digits: int = 1) -> float | None:
    """The mean rounded to ``digits``, or None for no values."""
    values = list(values)
    return round(mean(values), digits) if values else None


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to three places, or None when ``whole`` is 0."""
    return round(part / whole, 3) if whole else None


def csat(ratings: Sequence[int]) -> dict[str, Any]:
    """How many 1–5 ratings, their average, the five-star rate and the count of each score."""
    return {
        "ratings": len(ratings),
        "average": average(ratings, 2),
        "five_star_rate": rate(ratings.count(5), len(ratings)),
        "by_score": {str(score): ratings.count(score) for score in range(1, 6)},
    }


def handling_times(handoffs: Iterable[HandoffRecord]) -> dict[str, Any]:
    """Over ``handoffs``: how many were claimed and their average wait (opened → claimed), how many
    were handled and their average handle time (claimed → resolved)."""
    handoffs = list(handoffs)
    waits = [h.wait_seconds for h in handoffs if h.wait_seconds is not None]
    handles = [h.handle_seconds for h in handoffs if h.handle_seconds is not None]
    return {
        "claimed": len(waits),
        "avg_wait_seconds": average(waits),
        "handled": len(handles),
        "avg_handle_seconds": average(handles),
    }
