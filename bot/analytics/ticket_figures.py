"""Figures about tickets (服务闭环, 长效跟进): on-time follow-up, second contacts, teams, time to close.

Definitions (also in docs/tickets.md):

* on-time follow-up rate: of the period's tickets whose due time has passed or that were
  answered, the share whose owner first moved (a status change or a message to the user)
  by the due time;
* second contact (二次投诉): a complaint resolved in the period after which the same
  conversation opened another complaint within ``second_contact_days``;
* time to close: opened → resolved (or closed, if never resolved), for tickets resolved in the period;
* return-visit rating: the average of the ratings given to tickets whose return visit was sent.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.analytics.measures import average, rate
from bot.service.feedback import Rating
from bot.service.tickets import TICKET_STATUSES, Ticket

_DAY = 86400.0


def on_time_follow_up(tickets: Iterable[Ticket], now: float) -> dict[str, Any]:
    """How many tickets could be judged, how many were answered in time, and the rate."""
    judged = on_time = 0
    for ticket in tickets:
        answered = ticket.first_response_at or 0.0
        if not answered and ticket.due_at > now:
            continue  # not due yet and not answered: too early to say
        judged += 1
        if answered and answered <= ticket.due_at:
            on_time += 1
    return {"judged": judged, "on_time": on_time, "rate": rate(on_time, judged)}


def second_contacts(resolved: Iterable[Ticket], tickets_of: Callable[[str], Sequence[Ticket]], days: int) -> dict[str, Any]:
    """Resolved complaints followed by another complaint of the same conversation within ``days``."""
    complaints = [t for t in resolved if t.category == "complaint" and t.resolved_at]
    repeated = 0
    for ticket in complaints:
        window_end = ticket.resolved_at + days * _DAY
        later = tickets_of(ticket.conversation_id)
        if any(t.category == "complaint" and ticket.resolved_at < t.created_at <= window_end for t in later):
            repeated += 1
    return {"resolved_complaints": len(complaints), "second_contacts": repeated, "rate": rate(repeated, len(complaints)),
            "days": days}


def by_team_and_status(tickets: Iterable[Ticket]) -> dict[str, dict[str, int]]:
    """Ticket counts per owning team, per status."""
    table: dict[str, Counter] = {}
    for ticket in tickets:
        table.setdefault(ticket.team or "agents", Counter())[ticket.status] += 1
    return {team: {status: counts.get(status, 0) for status in TICKET_STATUSES} for team, counts in sorted(table.items())}


def time_to_close(tickets: Iterable[Ticket]) -> dict[str, Any]:
    """Average seconds from opening to resolving (or closing) over the given finished tickets."""
    spans = [(t.resolved_at or t.closed_at) - t.created_at for t in tickets if (t.resolved_at or t.closed_at)]
    return {"closed": len(spans), "avg_seconds": average(spans)}


def return_visit_ratings(tickets: Iterable[Ticket], ratings: Iterable[Rating]) -> dict[str, Any]:
    """The ratings given about tickets whose return visit was sent."""
    visited = {t.ticket_id for t in tickets if t.return_visit_at}
    scores = [r.rating for r in ratings if r.ticket_id and r.ticket_id in visited]
    return {"visits": len(visited), "ratings": len(scores), "average": average(scores, 2)}


def ticket_figures(opened: Sequence[Ticket], finished: Sequence[Ticket], ratings: Sequence[Rating],
                   tickets_of: Callable[[str], Sequence[Ticket]], now: float, second_contact_days: int) -> dict[str, Any]:
    """Every ticket figure: ``opened`` in the period, ``finished`` (resolved or closed) in it."""
    return {
        "by_team": by_team_and_status(opened),
        "on_time_follow_up": on_time_follow_up(opened, now),
        "second_contact": second_contacts(finished, tickets_of, second_contact_days),
        "time_to_close": time_to_close(finished),
        "return_visits": return_visit_ratings(finished, ratings),
    }
