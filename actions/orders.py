"""Order and refund status from the order backend."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.order_number import NO_ORDER_NUMBER, validate_order_number
from bot.backends.orders import Order, OrderBackend
from bot.service.tickets import TicketStore

OVERDUE_FOLLOW_UP = dt.timedelta(hours=4)


class ValidateOrderStatusForm(FormValidationAction):
    """Checks the order number for an order status question."""

    def __init__(self, orders: OrderBackend) -> None:
        self._orders = orders

    def name(self) -> Text:
        return "validate_order_status_form"

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """DD + 13 digits that the order system knows, or "none"."""
        return validate_order_number(value, dispatcher, self._orders)


class ValidateRefundStatusForm(ValidateOrderStatusForm):
    """Checks the order number for a refund status question."""

    def name(self) -> Text:
        return "validate_refund_status_form"


def _order(tracker: Tracker, orders: OrderBackend) -> Optional[Order]:
    number = tracker.get_slot("order_number")
    return orders.get_order(number) if number and number != NO_ORDER_NUMBER else None


class ActionOrderStatus(Action):
    """Where the order is; an overdue order gets an apology and an urgent ticket."""

    def __init__(
        self,
        orders: OrderBackend,
        tickets: TicketStore,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._orders = orders
        self._tickets = tickets
        self._today = today

    def name(self) -> Text:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        order = _order(tracker, self._orders)
        if order is None:
            dispatcher.utter_message(response="utter_order_number_needed")
            return []
        language = tracker.get_slot("language")
        dispatcher.utter_message(
            response=f"utter_order_{order.status}",
            order_number=order.order_number,
            items=order.item_names(language),
            carrier=order.carrier_name(language),
            tracking_number=order.tracking_number,
            promised_by=order.promised_by.isoformat(),
        )
        if not order.is_overdue(self._today()):
            return []
        ticket = self._tickets.create(
            conversation_id=tracker.sender_id,
            category="complaint",
            priority="high",
            summary=f"订单{order.order_number}超过承诺送达时间{order.promised_by.isoformat()}",
            due_in=OVERDUE_FOLLOW_UP,
            department="logistics",
            tags=("订单超时",),
            order_number=order.order_number,
        )
        dispatcher.utter_message(response="utter_order_overdue", ticket_id=ticket.ticket_id)
        return [SlotSet("priority", "high"), SlotSet("ticket_id", ticket.ticket_id)]


class ActionRefundStatus(Action):
    """The refund on the order: none, processing, refunded or rejected."""

    def __init__(self, orders: OrderBackend) -> None:
        self._orders = orders

    def name(self) -> Text:
        return "action_refund_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        order = _order(tracker, self._orders)
        if order is None:
            dispatcher.utter_message(response="utter_order_number_needed")
            return []
        if order.refund is None:
            dispatcher.utter_message(response="utter_refund_none", order_number=order.order_number)
            return []
        dispatcher.utter_message(
            response=f"utter_refund_{order.refund.status}",
            order_number=order.order_number,
            amount=f"{order.refund.amount:.2f}",
        )
        return []
