"""Hand a conversation to a person: queue it with its context, or, with nobody there, book a call-back.

This is what the bot's handoff actions call; it knows no Rasa. What the user is told follows
from the :class:`HandoffOutcome` (``response()``), the same for the bot and the channels.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot.backends.customers import CustomerDirectory
from bot.clock import utcnow
from bot.handoff.availability import ServiceHours, availability, expected_wait_minutes
from bot.handoff.context import build_record
from bot.handoff.presence import AgentPresence
from bot.handoff.routing import HandoffFacts, RoutingRules, place_in_queue
from bot.handoff.store import HandoffStore
from bot.knowledge.base import KnowledgeBase
from bot.service import ticket_tags
from bot.service.escalation import EscalationRules
from bot.service.tickets import TicketStore

CALLBACK_DUE = dt.timedelta(hours=4)


@dataclass(frozen=True)
class HandoffOutcome:
    """What happened: queued for an agent (position, wait), or a call-back ticket instead."""

    queued: bool
    handoff_id: str = ""
    position: int = 0
    wait_minutes: int = 0
    ticket_id: str = ""
    back_at: dt.datetime | None = None

    def response(self, immediate: bool = False) -> tuple[str, dict[str, Any]]:
        """The domain.yml response that tells the user, and its values.

        Queued: their place and wait (``immediate`` when they asked for a person just now);
        otherwise the call-back ticket, and when agents are back if that is known.
        """
        if self.queued:
            name = "utter_handoff_immediate" if immediate else "utter_handoff_queued"
            return name, {"position": self.position, "wait_minutes": self.wait_minutes}
        if self.back_at is not None:
            return "utter_handoff_closed", {"ticket_id": self.ticket_id, "back_at": self.back_at.strftime("%m-%d %H:%M")}
        return "utter_handoff_no_agent", {"ticket_id": self.ticket_id}


class HandoffIntake:
    """Queue a conversation for the agents, with everything they need, when someone can take it."""

    def __init__(
        self,
        store: HandoffStore,
        presence: AgentPresence,
        tickets: TicketStore,
        customers: CustomerDirectory,
        knowledge: KnowledgeBase,
        hours: ServiceHours,
        rules: EscalationRules,
        clock: Callable[[], dt.datetime] = utcnow,
        routing: RoutingRules | None = None,
    ) -> None:
        self._store = store
        self._presence = presence
        self._tickets = tickets
        self._customers = customers
        self._knowledge = knowledge
        self._hours = hours
        self._rules = rules
        self._clock = clock
        self._routing = routing or RoutingRules()

    def complaints_in_window(self, conversation_id: str) -> int:
        """Complaint tickets this customer opened within the repeat-complaint window."""
        return self._tickets.count_since(conversation_id, "complaint", self._rules.repeat_complaint_days)

    def past_handoffs(self, conversation_id: str) -> int:
        """Handoffs of this conversation within the repeat-complaint window (a repeat contact)."""
        since = self._clock() - dt.timedelta(days=self._rules.repeat_complaint_days)
        return self._store.count_for_conversation(conversation_id, since.timestamp())

    def request(
        self,
        *,
        conversation_id: str,
        channel: str,
        events: Sequence[Mapping[str, Any]],
        slots: Mapping[str, Any],
        latest_message: Mapping[str, Any],
        reason: str,
        signals: Sequence[str] = (),
    ) -> HandoffOutcome:
        """Queue the conversation if an agent can take it in this shift, else book a call-back."""
        now = self._clock()
        existing = self._store.active_handoff(conversation_id)
        if existing:
            return self._queued(existing)
        state = availability(self._hours, now, len(self._presence.online()))
        if not state.can_queue:
            return self._callback(conversation_id, slots, events, reason, state.back_at)
        profile = self._customers.profile(conversation_id)
        record, turns = build_record(
            conversation_id=conversation_id,
            channel=channel,
            events=events,
            slots=slots,
            latest_message=latest_message,
            reason=reason,
            signals=signals,
            profile={k: v for k, v in asdict(profile).items() if v},
            complaints_in_window=self.complaints_in_window(conversation_id),
            knowledge=self._knowledge,
            now=now.timestamp(),
        )
        opened = self._store.open(record, turns)
        return self._queued(opened.handoff_id)

    def _queued(self, handoff_id: str) -> HandoffOutcome:
        """The user's place and wait among the handoffs offered to the same agents (routing.yml)."""
        agents = self._presence.online_agents()
        queue = [HandoffFacts.of(record) for record in self._store.queue()]
        place = place_in_queue(queue, handoff_id, agents, self._routing, self._clock().timestamp())
        position = place.position if place else 1
        wait = expected_wait_minutes(
            position,
            place.agents if place else len(agents),
            self._store.recent_handle_seconds(),
            self._hours.default_handle_minutes,
        )
        return HandoffOutcome(queued=True, handoff_id=handoff_id, position=position, wait_minutes=wait)

    def _callback(
        self,
        conversation_id: str,
        slots: Mapping[str, Any],
        events: Sequence[Mapping[str, Any]],
        reason: str,
        back_at: dt.datetime | None,
    ) -> HandoffOutcome:
        said = [str(e.get("text")) for e in events if e.get("event") == "user" and e.get("text")][-5:]
        ticket = self._tickets.create(
            conversation_id=conversation_id,
            category=str(slots.get("request_category") or "inquiry"),
            priority=str(slots.get("priority") or "normal"),
            summary=" / ".join(said),
            due_in=CALLBACK_DUE,
            department="customer_service",
            tags=(ticket_tags.CALLBACK, reason),  # statistics read both
        )
        return HandoffOutcome(queued=False, ticket_id=ticket.ticket_id, back_at=back_at)
