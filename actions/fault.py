"""Faults: apologise, explain a known incident or give the workaround, open a ticket for engineers.

Also the urgent cases that share that shape: a stolen account and a payment taken without an order.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.clock import utcnow
from bot.service import ticket_tags
from bot.service.incidents import Incident, IncidentBoard
from bot.service.tickets import TicketStore

FAULT_FOLLOW_UP = dt.timedelta(hours=24)
URGENT_FOLLOW_UP = dt.timedelta(hours=2)


def fault_follow_up(incident: Incident | None, now: dt.datetime | None = None) -> dt.timedelta:
    """When a fault ticket is due: at the incident's expected recovery if it is ahead, else in 24 hours."""
    now = now or utcnow()
    if incident is not None and incident.eta is not None and incident.eta > now:
        return incident.eta - now
    return FAULT_FOLLOW_UP


def _open_ticket(tickets: TicketStore, tracker: Tracker, category: str, due_in: dt.timedelta, tags: tuple, *, department: str) -> str:
    ticket = tickets.create(
        conversation_id=tracker.sender_id,
        category=category,
        priority=tracker.get_slot("priority") or "normal",
        summary=tracker.latest_message.get("text") or "",
        due_in=due_in,
        department=department,
        tags=tags,
    )
    return ticket.ticket_id


class ActionHandleFault(Action):
    """A technical fault: known incident (impact, recovery, workaround) or general steps, then a ticket."""

    def __init__(self, incidents: IncidentBoard, tickets: TicketStore) -> None:
        self._incidents = incidents
        self._tickets = tickets

    def name(self) -> str:
        return "action_handle_fault"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        board = self._incidents
        language = tracker.get_slot("language")
        dispatcher.utter_message(response="utter_fault_apology")
        incident = board.match(tracker.latest_message.get("text") or "")
        if incident:
            dispatcher.utter_message(
                response="utter_fault_known_incident",
                impact=incident.text("impact", language),
                recovery=incident.text("recovery", language),
                workaround=incident.text("workaround", language),
            )
        else:
            dispatcher.utter_message(response="utter_fault_general_workaround")
        tags = (ticket_tags.FAULT, incident.incident_id) if incident else (ticket_tags.FAULT,)
        ticket_id = _open_ticket(self._tickets, tracker, "fault", fault_follow_up(incident), tags, department="technical")
        dispatcher.utter_message(response="utter_fault_ticket", ticket_id=ticket_id)
        return [SlotSet("ticket_id", ticket_id)]


class ActionHandleAccountSecurity(Action):
    """A stolen or hacked account: the protective steps at once, and an urgent ticket."""

    def __init__(self, tickets: TicketStore) -> None:
        self._tickets = tickets

    def name(self) -> str:
        return "action_handle_account_security"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_account_security")
        ticket_id = _open_ticket(self._tickets, tracker, "fault", URGENT_FOLLOW_UP, (ticket_tags.ACCOUNT_SECURITY,),
                                 department="security")
        dispatcher.utter_message(response="utter_urgent_ticket", ticket_id=ticket_id)
        return [SlotSet("ticket_id", ticket_id)]


class ActionHandlePaymentProblem(Action):
    """Charged without an order, or twice: explain what usually happens, and an urgent ticket."""

    def __init__(self, tickets: TicketStore) -> None:
        self._tickets = tickets

    def name(self) -> str:
        return "action_handle_payment_problem"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_payment_problem")
        ticket_id = _open_ticket(self._tickets, tracker, "complaint", URGENT_FOLLOW_UP, (ticket_tags.PAYMENT_PROBLEM,),
                                 department="payments")
        dispatcher.utter_message(response="utter_urgent_ticket", ticket_id=ticket_id)
        return [SlotSet("ticket_id", ticket_id)]
