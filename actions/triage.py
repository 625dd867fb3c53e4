"""Set request_category and priority after every user message (Rasa's custom slot mappings)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from actions import collaborators
from bot.customers import CustomerDirectory
from bot.entities import find_order_number
from bot.orders import OrderBackend
from bot.triage import Triage, TriageRules, triage


class ValidateSlotMappings(ValidationAction):
    """Rasa calls this after each user message; it fills the triage slots from bot.triage."""

    def __init__(
        self,
        rules: Optional[TriageRules] = None,
        customers: Optional[CustomerDirectory] = None,
        orders: Optional[OrderBackend] = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._rules = rules
        self._customers = customers
        self._orders = orders
        self._today = today

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    def _triage(self, tracker: Tracker) -> Triage:
        rules = self._rules or collaborators.triage_rules()
        customers = self._customers or collaborators.customers()
        orders = self._orders or collaborators.orders()
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        number = find_order_number(text) or tracker.get_slot("order_number")
        order = orders.get_order(number) if number and number != "none" else None
        return triage(
            rules,
            intent,
            text,
            vip=customers.profile(tracker.sender_id).is_vip,
            order_overdue=bool(order and order.is_overdue(self._today())),
        )

    async def extract_request_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        """The category of this request; unchanged for messages that are not requests."""
        result = self._triage(tracker)
        return {"request_category": result.category} if result.category else {}

    async def extract_priority(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        """The priority of this request; an overdue order raises it even mid-conversation."""
        result = self._triage(tracker)
        if result.category or result.priority == "high":
            return {"priority": result.priority}
        return {}
