"""The user asks for a person: register a call-back ticket (the live agent queue builds on this)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import collaborators
from bot.tickets import TicketStore

CALLBACK_DUE = dt.timedelta(hours=4)


class ActionRequestHuman(Action):
    """Open a call-back ticket with what the user said and tell them when someone will contact them."""

    def __init__(self, tickets: Optional[TicketStore] = None) -> None:
        self._tickets = tickets

    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][-5:]
        ticket = (self._tickets or collaborators.tickets()).create(
            conversation_id=tracker.sender_id,
            category=tracker.get_slot("request_category") or "inquiry",
            priority=tracker.get_slot("priority") or "normal",
            summary=" / ".join(said),
            due_in=CALLBACK_DUE,
            department="customer_service",
            tags=("人工回电",),
        )
        dispatcher.utter_message(response="utter_human_callback", ticket_id=ticket.ticket_id)
        return [SlotSet("ticket_id", ticket.ticket_id), SlotSet("handoff_reason", "explicit_request")]
