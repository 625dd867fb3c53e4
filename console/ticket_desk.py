"""What the console does with tickets: who sees which, the ticket with its conversation, and changes.

Supervisors see every ticket; other users see the tickets of their teams (the ``teams`` of
their console user; an agent in none sees the ``agents`` team's call-backs) and those assigned
to them. Every change is recorded on the ticket (who, when, note); a status change, and a note
marked ``tell_user``, reaches the user on their channel (bot/service/ticket_updates.py).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bot.pii import mask_pii
from bot.service.ticket_messages import NOTE_RESPONSE, STATUS_RESPONSES
from bot.service.tickets import TICKET_STATUSES, TRANSITIONS, IllegalTransition, Ticket, TicketNotFound
from bot.wiring import Wiring
from console.errors import bad_request, conflict, forbidden, not_found
from console.users import User, UserStore
from console.views import turn_view

DUE_FILTERS = ("overdue", "today")
_DAY = 86400.0


def visible_teams(user: User) -> tuple[str, ...] | None:
    """The teams whose tickets ``user`` sees; None: all of them (supervisors)."""
    if user.is_supervisor:
        return None
    return user.teams or ("agents",)


def ticket_view(ticket: Ticket, now: float) -> dict[str, Any]:
    """A ticket as the console shows it: personal data masked, overdue worked out."""
    data = asdict(ticket)
    data["tags"] = list(ticket.tags)
    data["summary"] = mask_pii(ticket.summary)
    data["conversation_id"] = mask_pii(ticket.conversation_id)
    data["overdue"] = ticket.is_overdue(now)
    return data


class TicketDesk:
    """The console's ticket operations, each checked against the caller's role and teams."""

    def __init__(self, wiring: Wiring, users: UserStore, clock: Callable[[], float] = time.time) -> None:
        self._wiring = wiring
        self._users = users
        self._clock = clock

    def list(self, user: User, team: str = "", status: str = "", due: str = "", limit: int = 200) -> dict[str, Any]:
        """The tickets ``user`` may see, newest first, filtered by team, status and due (overdue | today)."""
        if status and status not in TICKET_STATUSES:
            raise bad_request(f"'status' must be one of {', '.join(TICKET_STATUSES)}")
        if due and due not in DUE_FILTERS:
            raise bad_request(f"'due' must be one of {', '.join(DUE_FILTERS)}")
        allowed = visible_teams(user)
        if team and allowed is not None and team not in allowed:
            raise forbidden(f"you do not work in the {team} team")
        store = self._wiring.tickets
        teams = [team] if team else allowed
        found: dict[str, Ticket] = {}
        for name in teams if teams is not None else [None]:
            for ticket in store.for_team(name, limit) if name else store.newest(limit):
                found[ticket.ticket_id] = ticket
        if not team and allowed is not None:
            for ticket in store.newest(limit):
                if ticket.assignee == user.username:
                    found[ticket.ticket_id] = ticket
        now = self._clock()
        chosen = [t for t in found.values() if (not status or t.status == status) and _due_matches(t, due, now)]
        chosen.sort(key=lambda t: t.created_at, reverse=True)
        return {"now": now, "tickets": [ticket_view(t, now) for t in chosen[:limit]], "teams": allowed}

    def detail(self, ticket_id: str, user: User) -> dict[str, Any]:
        """The ticket, its history, the conversation's handoffs with their transcripts, what the caller may do."""
        ticket = self._visible(ticket_id, user)
        handoffs = self._wiring.handoffs
        records = handoffs.for_conversation(ticket.conversation_id)
        return {
            "ticket": ticket_view(ticket, self._clock()),
            "history": [asdict(change) for change in self._wiring.tickets.history(ticket.ticket_id)],
            "handoffs": [{
                "handoff_id": record.handoff_id, "status": record.status, "agent": record.agent,
                "reason": record.reason, "created_at": record.created_at, "resolved_at": record.resolved_at,
                "outcome": record.outcome, "summary": mask_pii(record.summary),
                "transcript": [turn_view(turn) for turn in handoffs.transcript(record.handoff_id)],
            } for record in records],
            "allowed_statuses": list(TRANSITIONS.get(ticket.status, ())),
        }

    def assign(self, ticket_id: str, user: User, assignee: str) -> dict[str, Any]:
        """Give the ticket to a console user ("" for the team); 400 for an unknown user."""
        self._visible(ticket_id, user)
        if assignee and self._users.get(assignee) is None:
            raise bad_request(f"no console user {assignee[:40]!r}")
        ticket = self._wiring.tickets.assign(ticket_id, assignee.strip().lower(), user.username)
        return {"ticket": ticket_view(ticket, self._clock())}

    def change_status(self, ticket_id: str, user: User, status: str, note: str, tell_user: bool = True) -> dict[str, Any]:
        """Move the ticket; the user hears of it unless ``tell_user`` is false. 409 for an illegal move."""
        self._visible(ticket_id, user)
        self._check_note(note)
        if status not in TICKET_STATUSES:
            raise bad_request(f"'status' must be one of {', '.join(TICKET_STATUSES)}")
        try:
            ticket = self._wiring.tickets.change_status(ticket_id, status, user.username, note=note, told_user=tell_user)
        except IllegalTransition as error:
            raise conflict(str(error)) from None
        except TicketNotFound:
            raise not_found(f"no ticket {ticket_id!r}") from None
        delivery = None
        if tell_user and status in STATUS_RESPONSES:
            delivery = asdict(self._wiring.ticket_updates.tell(ticket, STATUS_RESPONSES[status], note))
        return {"ticket": ticket_view(ticket, self._clock()), "delivery": _delivery_view(delivery)}

    def add_note(self, ticket_id: str, user: User, text: str, tell_user: bool) -> dict[str, Any]:
        """An internal note, or (``tell_user``) a message to the user about the ticket."""
        self._visible(ticket_id, user)
        self._check_note(text)
        try:
            ticket = self._wiring.tickets.add_note(ticket_id, user.username, text, told_user=tell_user)
        except TicketNotFound:
            raise not_found(f"no ticket {ticket_id!r}") from None
        delivery = asdict(self._wiring.ticket_updates.tell(ticket, NOTE_RESPONSE, text)) if tell_user else None
        return {"ticket": ticket_view(ticket, self._clock()), "delivery": _delivery_view(delivery)}

    def _visible(self, ticket_id: str, user: User) -> Ticket:
        ticket = self._wiring.tickets.get(ticket_id)
        if ticket is None:
            raise not_found(f"no ticket {ticket_id!r}")
        allowed = visible_teams(user)
        if allowed is not None and ticket.team not in allowed and ticket.assignee != user.username:
            raise forbidden(f"ticket {ticket_id} belongs to the {ticket.team} team")
        return ticket

    def _check_note(self, note: str) -> None:
        limit = self._wiring.ticket_rules.max_note_chars
        if len(note) > limit:
            raise bad_request(f"the note is longer than {limit} characters")


def _due_matches(ticket: Ticket, due: str, now: float) -> bool:
    if due == "overdue":
        return ticket.is_overdue(now)
    if due == "today":
        return ticket.status in TRANSITIONS and ticket.status not in ("resolved", "closed") and ticket.due_at <= now + _DAY
    return True


def _delivery_view(delivery: dict[str, Any] | None) -> dict[str, Any] | None:
    """How the user was told (sent | next_visit | call), without the text's personal data."""
    if delivery is None:
        return None
    return {**delivery, "text": mask_pii(delivery.get("text", ""))}
