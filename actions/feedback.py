"""Close the loop: a 1–5 satisfaction rating, stored with the conversation; the return visit (回访) asks one too."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.knowledge.inbox import LOW_RATING, Inbox, last_request
from bot.service.feedback import FeedbackStore, parse_rating
from bot.service.tickets import TicketStore


class ValidateRatingForm(FormValidationAction):
    """Reads "5", "4分", "五星", "非常满意", "excellent"… as a rating.

    A request typed while the rating is asked (a question sent just as an agent handed the
    conversation back, say) is not eaten as a wrong rating: the rating is dropped and the
    message is put back as the latest user turn, so the usual rules answer it.
    """

    def __init__(self, requests: Collection[str]) -> None:
        self._requests = frozenset(requests)

    def name(self) -> str:
        return "validate_rating_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        if intent in self._requests and parse_rating(latest.get("text") or "") is None:
            return [
                SlotSet("rating", None),
                SlotSet("requested_slot", None),
                ActiveLoop(None),
                ActionExecuted("action_listen"),
                UserUttered(latest.get("text"), parse_data=latest, input_channel=tracker.get_latest_input_channel()),
            ]
        return await super().run(dispatcher, tracker, domain)

    async def validate_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A rating from 1 to 5, or ask again."""
        rating = parse_rating(str(value or ""))
        if rating is None:
            dispatcher.utter_message(response="utter_rating_invalid")
        return {"rating": rating}


class ActionSaveRating(Action):
    """Store the rating in Redis with the conversation (and its latest ticket, if any)."""

    def __init__(self, feedback: FeedbackStore, inbox: Inbox | None = None) -> None:
        self._feedback = feedback
        self._inbox = inbox

    def name(self) -> str:
        return "action_save_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        rating = tracker.get_slot("rating")
        if rating is not None:
            self._feedback.record(
                tracker.sender_id,
                int(rating),
                channel=(tracker.get_latest_input_channel() or ""),
                ticket_id=tracker.get_slot("ticket_id") or "",
            )
            # A return visit rates how a ticket was resolved, not what the bot understood.
            if self._inbox is not None and int(rating) <= LOW_RATING and not tracker.get_slot("return_visit"):
                text, intent = last_request(tracker.events)
                self._inbox.record(tracker.sender_id, text, "low_rating", intent)
        dispatcher.utter_message(response="utter_thanks_for_rating")
        return [SlotSet("return_visit", False)] if tracker.get_slot("return_visit") else []


class ActionReturnVisit(Action):
    """A day after a complaint or urgent ticket was resolved: ask whether it is fixed, for a 1–5 rating.

    The scheduler sends ``/return_visit`` through the channel; the ticket is the conversation's
    latest one whose return visit was sent. The rating form then asks with the return-visit
    wording (utter_ask_rating conditioned on ``return_visit``) and the rating is stored with it.
    """

    def __init__(self, tickets: TicketStore) -> None:
        self._tickets = tickets

    def name(self) -> str:
        return "action_return_visit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        visited = [t for t in self._tickets.for_conversation(tracker.sender_id) if t.return_visit_at]
        ticket_id = max(visited, key=lambda t: t.return_visit_at).ticket_id if visited else tracker.get_slot("ticket_id")
        return [SlotSet("ticket_id", ticket_id), SlotSet("return_visit", True), SlotSet("rating", None)]
