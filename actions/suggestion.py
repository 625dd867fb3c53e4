"""Suggestions: thank, record with the tag user_need and the department it goes to, promise tracking."""
from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.service.labels import Labels
from bot.service.suggestions import SuggestionRouter
from bot.service.tickets import TicketStore

SUGGESTION_REVIEW = dt.timedelta(days=7)


class ActionRecordSuggestion(Action):
    """Record the suggestion as a ticket for the department it concerns."""

    def __init__(self, router: SuggestionRouter, tickets: TicketStore, labels: Labels) -> None:
        self._router = router
        self._tickets = tickets
        self._labels = labels

    def name(self) -> str:
        return "action_record_suggestion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        router = self._router
        tickets = self._tickets
        text = tracker.latest_message.get("text") or ""
        department = router.route(text)
        ticket = tickets.create(
            conversation_id=tracker.sender_id,
            category="suggestion",
            priority=tracker.get_slot("priority") or "low",
            summary=text,
            due_in=SUGGESTION_REVIEW,
            department=department.department_id,
            tags=(router.tag,),
        )
        language = tracker.get_slot("language")
        dispatcher.utter_message(
            response="utter_suggestion_recorded",
            tag=self._labels.text("tag", router.tag, language),
            department=self._labels.text("department", department.department_id, language),
            ticket_id=ticket.ticket_id,
        )
        return [SlotSet("ticket_id", ticket.ticket_id)]
