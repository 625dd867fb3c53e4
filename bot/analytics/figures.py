"""Figures for supervisors and the weekly review, computed from what is in Redis (no HTTP).

``compute(client, period)`` returns one JSON-ready dict:

* ``volumes``: per local day and request category — ``requests`` (contacts that raised the
  category, from Rasa's trackers), ``handoffs`` and ``tickets`` opened;
* ``top_problems``: the ten problems raised in the most contacts — intents, and for knowledge-base
  questions the entry (``faq/<id>``); ``handoff_problems``: the same for the intents Rasa saw
  last before each handoff (``top_intents`` of the record);
* ``handoffs``: how many, the handoff rate and the reasons; a call-back ticket booked because
  nobody was there counts as a handoff with its reason; by priority and by priority reason
  (``priority_reasons`` of the records: money_lost, strong_emotion …);
* ``first_contact_resolution``: see ``first_contact_resolution`` below;
* ``csat``: ratings given in the period — average, five-star rate, distribution;
* ``times``: average wait (created → claimed) and handle time (claimed → resolved) of the
  handoffs opened in the period;
* ``emotions``: the share of contacts in which the customer was angry (the emotion classifier's
  label on any user message of the session), and the contacts that showed each emotion;
* ``tickets``: by status and department, by team and status, the on-time follow-up rate,
  second contacts after resolved complaints, time to close and return-visit ratings
  (``bot.analytics.ticket_figures``).

A *contact* is one Rasa session in which the customer asked for something (``bot.analytics.history``).
Contacts, requests and FCR need Rasa's trackers in Redis; without them those figures are 0 / None.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from bot.analytics import history
from bot.analytics.measures import csat, handling_times, rate
from bot.analytics.periods import Period
from bot.analytics.ticket_figures import ticket_figures
from bot.clock import utcnow
from bot.handoff.store import HandoffRecord, HandoffStore
from bot.service import ticket_tags
from bot.service.emotion import EMOTIONS
from bot.service.feedback import FeedbackStore
from bot.service.ticket_rules import TicketRules
from bot.service.tickets import TICKET_STATUSES, Ticket, TicketStore
from bot.service.triage import CATEGORIES, TriageRules

TOP = 10
REPEAT_WINDOW_DAYS = 7
FINISH_LOOKBACK_DAYS = 90  # a ticket resolved in the period was opened at most this long before it
# Call-back tickets written before tags became English identifiers carry the old Chinese tag,
# and they stay in Redis: count them too.
_CALLBACK_TAGS = (ticket_tags.CALLBACK, "人工回电")


@dataclass(frozen=True)
class Escalation:
    """A conversation handed to a person: a handoff, or a call-back ticket when nobody was there."""

    conversation_id: str
    at: float
    reason: str


def escalations(handoffs: Sequence[HandoffRecord], tickets: Sequence[Ticket]) -> list[Escalation]:
    """Handoffs and call-back tickets, oldest first."""
    found = [Escalation(h.conversation_id, h.created_at, h.reason) for h in handoffs]
    for ticket in tickets:
        if ticket.tags and ticket.tags[0] in _CALLBACK_TAGS:
            reason = ticket.tags[1] if len(ticket.tags) > 1 else ""
            found.append(Escalation(ticket.conversation_id, ticket.created_at, reason))
    return sorted(found, key=lambda e: e.at)


def handed_over(contact: history.Contact, escalated: Sequence[Escalation]) -> bool:
    """Whether the conversation went to a person during this contact's session."""
    end = contact.session_end if contact.session_end is not None else float("inf")
    return any(e.conversation_id == contact.conversation_id and contact.session_start <= e.at < end for e in escalated)


def first_contact_resolution(
    contacts: Sequence[history.Contact],
    everyone: Mapping[str, Sequence[history.Contact]],
    escalated: Sequence[Escalation],
    days: int = REPEAT_WINDOW_DAYS,
) -> dict[str, Any]:
    """First-contact resolution: the share of contacts the bot settled on its own, for good.

    A contact counts as resolved at first contact when (1) the conversation was not handed to
    a person during it (no handoff, no call-back ticket), and (2) the same customer did not
    come back with a request within ``days`` days after its last request. Contacts whose
    ``days``-day window is not over yet are counted on what is known so far.
    """
    window = days * 86400
    resolved = 0
    for contact in contacts:
        if handed_over(contact, escalated):
            continue
        later = everyone.get(contact.conversation_id, ())
        came_back = any(contact.ended_at < other.started_at <= contact.ended_at + window
                        for other in later if other is not contact)
        if not came_back:
            resolved += 1
    return {"contacts": len(contacts), "resolved": resolved, "rate": rate(resolved, len(contacts)),
            "repeat_window_days": days}


def emotion_figures(contacts: Sequence[history.Contact]) -> dict[str, Any]:
    """How many contacts showed each emotion (a contact counts once per emotion) and the angry share.

    Only contacts whose messages carry the classifier's reading count (``read``): sessions
    recorded by a model without it say nothing about emotion.
    """
    read = [c for c in contacts if c.emotions]
    by_label = {label: sum(1 for c in read if label in c.emotions) for label in EMOTIONS}
    return {"contacts_read": len(read), "angry_contacts": by_label["angry"],
            "angry_rate": rate(by_label["angry"], len(read)), "by_label": by_label}


def _by_day(period: Period, categories: Sequence[str], dated: Iterable[tuple]) -> dict[str, dict[str, int]]:
    table = {day: {category: 0 for category in categories} for day in period.days()}
    for moment, category in dated:
        row = table.setdefault(period.day(moment), {c: 0 for c in categories})
        row[category] = row.get(category, 0) + 1
    return table


def _top(counter: Counter, problem_category: Mapping[str, str], whole: int) -> list[dict[str, Any]]:
    return [{"problem": problem, "category": problem_category.get(problem, ""), "count": count,
             "share": rate(count, whole)}
            for problem, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP]]


def compute(
    client: redis.Redis,
    period: Period,
    categories: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every figure for ``period``; ``categories`` maps intents to request categories (triage.yml)."""
    intent_categories = dict(categories if categories is not None else TriageRules.load().categories)
    handoffs = HandoffStore(client).records_between(period.since, period.until)
    ticket_store = TicketStore(client)
    tickets = ticket_store.tickets_between(period.since, period.until)
    rated = FeedbackStore(client).ratings_between(period.since, period.until)
    ratings = [r.rating for r in rated]
    recent = ticket_store.tickets_between(period.since - FINISH_LOOKBACK_DAYS * 86400, period.until)
    finished = [t for t in recent if (t.resolved_at or t.closed_at) and (t.resolved_at or t.closed_at) in period]
    later_ratings = FeedbackStore(client).ratings_between(period.since)  # a return visit comes a day after
    everyone = history.conversations(client, intent_categories, since=period.since)
    contacts = sorted((c for found in everyone.values() for c in found if c.started_at in period),
                      key=lambda c: (c.started_at, c.conversation_id))
    escalated = escalations(handoffs, tickets)
    in_period = [e for e in escalated if e.at in period]

    problems: Counter = Counter()
    problem_category: dict[str, str] = {}
    for contact in contacts:
        for message in contact.messages:
            problem_category.setdefault(message.problem, message.category)
        problems.update(contact.problems)
    handoff_problems: Counter = Counter()
    for record in handoffs:
        if record.top_intents and isinstance(record.top_intents[0], dict) and record.top_intents[0].get("name"):
            name = str(record.top_intents[0]["name"])
            handoff_problems[name] += 1
            problem_category.setdefault(name, intent_categories.get(name.split("/")[0], ""))

    handed = sum(1 for contact in contacts if handed_over(contact, escalated))
    return {
        "period": period.as_dict(),
        "totals": {"contacts": len(contacts), "handoffs": len(handoffs), "tickets": len(tickets),
                   "ratings": len(ratings)},
        "volumes": {
            "categories": list(CATEGORIES),
            "requests": _by_day(period, CATEGORIES, ((c.started_at, cat) for c in contacts for cat in c.categories)),
            "handoffs": _by_day(period, CATEGORIES, ((h.created_at, h.category) for h in handoffs)),
            "tickets": _by_day(period, CATEGORIES, ((t.created_at, t.category) for t in tickets)),
        },
        "top_problems": _top(problems, problem_category, len(contacts)),
        "handoff_problems": _top(handoff_problems, problem_category, len(handoffs)),
        "handoffs": {
            "count": len(handoffs),
            "callbacks": len(in_period) - len(handoffs),
            "contacts_handed_over": handed,
            "rate": rate(handed, len(contacts)),
            "by_reason": dict(sorted(Counter(e.reason for e in in_period).items(), key=lambda i: (-i[1], i[0]))),
            "by_outcome": dict(sorted(Counter(h.outcome or h.status for h in handoffs).items())),
            "by_priority": dict(sorted(Counter(h.priority for h in handoffs).items())),
            # Why the handed-over conversations had their priority (a handoff may have several reasons).
            "by_priority_reason": dict(sorted(Counter(r for h in handoffs for r in h.priority_reasons).items(),
                                              key=lambda i: (-i[1], i[0]))),
        },
        "first_contact_resolution": first_contact_resolution(contacts, everyone, escalated),
        "emotions": emotion_figures(contacts),
        "csat": csat(ratings),
        "times": handling_times(handoffs),
        "tickets": {
            "count": len(tickets),
            "by_status": {status: sum(1 for t in tickets if t.status == status) for status in TICKET_STATUSES},
            "by_department": dict(sorted(Counter(t.department or "—" for t in tickets).items(),
                                         key=lambda i: (-i[1], i[0]))),
            **ticket_figures(tickets, finished, later_ratings, ticket_store.for_conversation,
                             min(period.until, utcnow().timestamp()), TicketRules.load().second_contact_days),
        },
    }
