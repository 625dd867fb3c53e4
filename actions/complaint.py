"""Complaints the SOP way: empathy, restate and confirm, facts, remedies with their risks, a ticket."""
from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.order_number import NO_ORDER_NUMBER, validate_order_number
from bot.backends.orders import OrderBackend
from bot.service import ticket_tags
from bot.service.complaints import ComplaintPlaybook
from bot.service.identity import OrderAccess
from bot.service.tickets import TicketStore


def _complaint_text(tracker: Tracker) -> str:
    """The user's words since the complaint began (the latest complaint message and what followed)."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            texts.append(event.get("text") or "")
            if (event.get("parse_data") or {}).get("intent", {}).get("name") == "complaint":
                break
    return " / ".join(reversed(texts)) or (tracker.latest_message.get("text") or "")


class ActionStartComplaint(Action):
    """Empathy first, then restate the complaint and ask the user to confirm it."""

    def __init__(self, playbook: ComplaintPlaybook) -> None:
        self._playbook = playbook

    def name(self) -> str:
        return "action_start_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        playbook = self._playbook
        complaint_type = playbook.classify(tracker.latest_message.get("text") or "")
        language = tracker.get_slot("language")
        dispatcher.utter_message(response="utter_complaint_empathy")
        dispatcher.utter_message(response="utter_complaint_restate", topic=complaint_type.topics.get(language) or complaint_type.topics["zh"])
        return [SlotSet("complaint_type", complaint_type.type_id), SlotSet("remedy", None), SlotSet("offered_remedies", None)]


class ValidateComplaintForm(FormValidationAction):
    """Checks the order number and which remedy the user chose."""

    def __init__(self, orders: OrderBackend, playbook: ComplaintPlaybook, access: OrderAccess) -> None:
        self._orders = orders
        self._playbook = playbook
        self._access = access

    def name(self) -> str:
        return "validate_complaint_form"

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """DD + 13 digits that the order system knows, or "none" when the user has no number."""
        return validate_order_number(value, dispatcher, self._orders, self._access, tracker)

    async def validate_remedy(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of the offered remedies, by number, title or keyword."""
        playbook = self._playbook
        offered = tracker.get_slot("offered_remedies") or []
        chosen = playbook.match_remedy(str(value or ""), offered)
        if chosen is None:
            dispatcher.utter_message(response="utter_remedy_not_understood")
        return {"remedy": chosen}


class ActionAskRemedy(Action):
    """Offer the 2–3 remedies that fit the complaint type, numbered, as buttons."""

    def __init__(self, playbook: ComplaintPlaybook) -> None:
        self._playbook = playbook

    def name(self) -> str:
        return "action_ask_remedy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        playbook = self._playbook
        language = tracker.get_slot("language")
        remedies = playbook.remedies_for(playbook.get(tracker.get_slot("complaint_type")))
        options = "\n".join(f"{n}. {r.text('title', language)}" for n, r in enumerate(remedies, start=1))
        buttons = [{"title": f"{n}. {r.text('title', language)}", "payload": str(n)} for n, r in enumerate(remedies, start=1)]
        dispatcher.utter_message(response="utter_offer_remedies", options=options, buttons=buttons)
        return [SlotSet("offered_remedies", [r.remedy_id for r in remedies])]


class ActionConfirmRemedy(Action):
    """Say what happens next and what may go wrong, commit to a feedback time, open the ticket."""

    def __init__(self, playbook: ComplaintPlaybook, tickets: TicketStore) -> None:
        self._playbook = playbook
        self._tickets = tickets

    def name(self) -> str:
        return "action_confirm_remedy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        playbook = self._playbook
        tickets = self._tickets
        language = tracker.get_slot("language")
        remedy = playbook.remedies[tracker.get_slot("remedy")]
        order_number = tracker.get_slot("order_number")
        ticket = tickets.create(
            conversation_id=tracker.sender_id,
            category="complaint",
            priority=tracker.get_slot("priority") or "normal",
            summary=_complaint_text(tracker),
            due_in=dt.timedelta(hours=playbook.feedback_hours),
            department="customer_service",
            tags=(ticket_tags.COMPLAINT, tracker.get_slot("complaint_type") or "general"),
            order_number="" if order_number in (None, NO_ORDER_NUMBER) else order_number,
            remedy=remedy.remedy_id,
        )
        dispatcher.utter_message(
            response="utter_remedy_confirmed",
            title=remedy.text("title", language),
            detail=remedy.text("detail", language),
            risk=remedy.text("risk", language),
            hours=playbook.feedback_hours,
            ticket_id=ticket.ticket_id,
        )
        return [SlotSet("ticket_id", ticket.ticket_id)]
