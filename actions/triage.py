"""After every user message: set request_category and priority, and check whether a person is needed.

Rasa runs ``action_validate_slot_mappings`` before it predicts the reply, so this is the one
place that sees every message first. When an escalation trigger fires it sets the reason and
returns ``FollowupAction("action_escalate")``, which runs instead of the usual reply.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot.backends.customers import CustomerDirectory
from bot.backends.orders import OrderBackend
from bot.knowledge.inbox import Inbox, last_request, misunderstanding, previous_bot_action
from bot.service import signals as conversation_signals
from bot.service.emotion import emotion_of
from bot.service.entities import find_order_number
from bot.service.escalation import EscalationRules, decide, sentiment_signals
from bot.service.triage import Triage, TriageRules, triage
from channels.messages import TRUNCATED

# Messages the escalation check leaves alone: a person was asked for (the rules hand over),
# or an agent just handed the conversation back.
_NOT_CHECKED = {"request_human", "handoff_resolved", "non_text_message"}


class ValidateSlotMappings(ValidationAction):
    """Rasa calls this after each user message; it fills the triage slots from bot.service.triage."""

    def __init__(
        self,
        rules: TriageRules,
        customers: CustomerDirectory,
        orders: OrderBackend,
        today: Callable[[], dt.date] = dt.date.today,
        *,
        escalation_rules: EscalationRules,
        complaints_in_window: Callable[[str], int],
        past_handoffs: Callable[[str], int] = lambda conversation_id: 0,
        inbox: Inbox | None = None,
    ) -> None:
        self._rules = rules
        self._customers = customers
        self._orders = orders
        self._today = today
        self._escalation_rules = escalation_rules
        self._complaints_in_window = complaints_in_window
        self._past_handoffs = past_handoffs
        self._inbox = inbox
        # One triage per message: run() fills this for the tracker it handles, and both slot
        # extractors and the escalation check read it (keyed by the live tracker object).
        self._triaged: dict[int, Triage] = {}

    def name(self) -> str:
        return "action_validate_slot_mappings"

    def _triage(self, tracker: Tracker) -> Triage:
        cached = self._triaged.get(id(tracker))
        return cached if cached is not None else self._compute_triage(tracker)

    def _compute_triage(self, tracker: Tracker) -> Triage:
        rules, customers, orders = self._rules, self._customers, self._orders
        latest = tracker.latest_message
        text = latest.get("text") or ""
        intent = (latest.get("intent") or {}).get("name")
        number = find_order_number(text) or tracker.get_slot("order_number")
        order = orders.get_order(number) if number and number != "none" else None
        is_request = intent in rules.categories
        return triage(
            rules,
            intent,
            text,
            vip=customers.profile(tracker.sender_id).is_vip,
            order_overdue=bool(order and order.is_overdue(self._today())),
            emotion=emotion_of(latest),
            anger_signals=sentiment_signals(self._escalation_rules, text),
            refund_amount=conversation_signals.refund_amount(latest),
            same_problem_count=conversation_signals.same_problem_count(tracker.events, latest, rules.categories),
            past_handoffs=self._past_handoffs(tracker.sender_id) if is_request else 0,
            complaints_in_window=self._complaints_in_window(tracker.sender_id) if is_request else 0,
            earlier_reasons=conversation_signals.earlier_priority_reasons(tracker.events),
            conversation_category=conversation_signals.session_category(tracker.events),
        )

    async def extract_request_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """The category of this request; unchanged for messages that are not requests."""
        result = self._triage(tracker)
        return {"request_category": result.category} if result.category else {}

    async def extract_priority(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """The priority of this request; an overdue order raises it even mid-conversation."""
        result = self._triage(tracker)
        if result.category or result.priority == "high":
            return {"priority": result.priority}
        return {}

    async def extract_priority_reasons(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Why the priority is what it is (reason codes), set whenever the priority is."""
        result = self._triage(tracker)
        if result.category or result.priority == "high":
            return {"priority_reasons": list(result.reasons)}
        return {}

    async def extract_emotion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """The emotion the latest message shows, as the NLU's classifier read it; unchanged without a reading."""
        reading = emotion_of(tracker.latest_message)
        return {"emotion": reading.label} if reading else {}

    async def extract_emotion_score(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """The classifier's confidence in that emotion."""
        reading = emotion_of(tracker.latest_message)
        return {"emotion_score": round(reading.score, 3)} if reading else {}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Say so if the message was cut, fill the triage slots, then escalate if a person is needed."""
        if (tracker.latest_message.get("metadata") or {}).get(TRUNCATED):
            dispatcher.utter_message(response="utter_message_truncated")
        self._triaged[id(tracker)] = self._compute_triage(tracker)
        self.record_misunderstanding(tracker)
        try:
            events = await super().run(dispatcher, tracker, domain)
            return events + self.escalation_events(tracker)
        finally:
            del self._triaged[id(tracker)]

    def record_misunderstanding(self, tracker: Tracker) -> None:
        """Put a fallback, a barely-chosen FAQ answer or a "not solved" into the editors' inbox."""
        latest = tracker.latest_message
        # A form's answers (an order number, "4分") are read from the text by its validator,
        # whatever intent the model gave them: not a misunderstanding.
        if self._inbox is None or tracker.active_loop_name:
            return
        found = misunderstanding(latest, previous_bot_action(tracker.events), self._rules.categories)
        if found is None:
            return
        kind, confidence = found
        text, intent = latest.get("text") or "", (latest.get("intent") or {}).get("name") or ""
        if kind == "not_solved":  # "no" rejects the answer to the question before it
            text, intent = last_request(tracker.events, skip_latest=True)
        self._inbox.record(tracker.sender_id, text, kind, intent, confidence)

    def escalation_events(self, tracker: Tracker) -> list[dict[str, Any]]:
        """Events that hand over (or offer to), answer an open offer, or nothing."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in _NOT_CHECKED or not tracker.latest_message.get("text"):
            return []
        if tracker.get_slot("handoff_offered"):
            if intent == "affirm":
                return [FollowupAction("action_accept_handoff")]
            if intent == "deny":
                return [FollowupAction("action_decline_handoff")]
        rules = self._escalation_rules
        result = self._triage(tracker)
        count = self._complaints_in_window
        signals = conversation_signals.gather(
            tracker.events,
            tracker.latest_message,
            result,
            requests=self._rules.categories,
            priority=result.priority if result.category or result.priority == "high" else tracker.get_slot("priority") or "normal",
            vip=self._customers.profile(tracker.sender_id).is_vip,
            complaints_in_window=count(tracker.sender_id) if result.category == "complaint" else 0,
        )
        decision = decide(rules, signals)
        if decision is None or (not decision.immediate and tracker.get_slot("handoff_declined")):
            return [SlotSet("handoff_offered", None)] if tracker.get_slot("handoff_offered") else []
        return [
            SlotSet("handoff_reason", decision.reason),
            SlotSet("handoff_signals", list(decision.signals)),
            SlotSet("handoff_immediate", decision.immediate),
            FollowupAction("action_escalate"),
        ]
