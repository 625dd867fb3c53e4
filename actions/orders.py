"""Order and refund status from the order backend."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.order_number import NO_ORDER_NUMBER, validate_order_number
from bot.backends.orders import Order, OrderBackend
from bot.service import ticket_tags
from bot.service.identity import OrderAccess
from bot.service.tickets import TicketStore

OVERDUE_FOLLOW_UP = dt.timedelta(hours=4)


PHONE_SLOT = "phone_last4"
VERIFIED = "verified"
NOT_VERIFIED = "failed"


class ValidateOrderStatusForm(FormValidationAction):
    """Checks the order number for an order status question, then who is asking (身份核实)."""

    def __init__(self, orders: OrderBackend, access: OrderAccess) -> None:
        self._orders = orders
        self._access = access

    def name(self) -> str:
        return "validate_order_status_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The phone's last four digits only when there is an order this conversation may not see yet."""
        order = _order(tracker, self._orders)
        if order is None or self._access.may_see(tracker.sender_id, tracker.get_latest_input_channel(), order):
            return [slot for slot in domain_slots if slot != PHONE_SLOT]
        return domain_slots

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """DD + 13 digits that the order system knows, or "none"."""
        return validate_order_number(value, dispatcher, self._orders, self._access, tracker)

    async def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Verified, a re-ask with the tries left, or not verified once the tries are used up."""
        order = _order(tracker, self._orders)
        if order is None:
            return {PHONE_SLOT: NOT_VERIFIED}
        check = self._access.check_phone(tracker.sender_id, order, str(value or ""))
        if check.verified:
            return {PHONE_SLOT: VERIFIED}
        if check.attempts_left > 0:
            dispatcher.utter_message(response="utter_phone_last4_wrong", attempts_left=check.attempts_left)
            return {PHONE_SLOT: None}
        return {PHONE_SLOT: NOT_VERIFIED}


class ValidateRefundStatusForm(ValidateOrderStatusForm):
    """Checks the order number for a refund status question, then who is asking."""

    def name(self) -> str:
        return "validate_refund_status_form"


def _order(tracker: Tracker, orders: OrderBackend) -> Order | None:
    number = tracker.get_slot("order_number")
    return orders.get_order(number) if number and number != NO_ORDER_NUMBER else None


def _visible_order(
    tracker: Tracker, dispatcher: CollectingDispatcher, orders: OrderBackend, access: OrderAccess
) -> Order | None:
    """The order of the conversation if it may see it; otherwise say what it can do instead."""
    order = _order(tracker, orders)
    if order is None:
        dispatcher.utter_message(response="utter_order_number_needed")
        return None
    if not access.may_see(tracker.sender_id, tracker.get_latest_input_channel(), order):
        dispatcher.utter_message(response="utter_identity_not_verified")
        return None
    return order


class ActionOrderStatus(Action):
    """Where the order is; an overdue order gets an apology and an urgent ticket."""

    def __init__(
        self,
        orders: OrderBackend,
        tickets: TicketStore,
        access: OrderAccess,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._orders = orders
        self._tickets = tickets
        self._access = access
        self._today = today

    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        order = _visible_order(tracker, dispatcher, self._orders, self._access)
        if order is None:
            return [SlotSet(PHONE_SLOT, None)]
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
            return [SlotSet(PHONE_SLOT, None)]
        ticket = self._tickets.create(
            conversation_id=tracker.sender_id,
            category="complaint",
            priority="high",
            summary=f"订单{order.order_number}超过承诺送达时间{order.promised_by.isoformat()}",
            due_in=OVERDUE_FOLLOW_UP,
            department="logistics",
            tags=(ticket_tags.ORDER_OVERDUE,),
            order_number=order.order_number,
        )
        dispatcher.utter_message(response="utter_order_overdue", ticket_id=ticket.ticket_id)
        return [SlotSet("priority", "high"), SlotSet("ticket_id", ticket.ticket_id), SlotSet(PHONE_SLOT, None)]


class ActionRefundStatus(Action):
    """The refund on the order: none, processing, refunded or rejected."""

    def __init__(self, orders: OrderBackend, access: OrderAccess) -> None:
        self._orders = orders
        self._access = access

    def name(self) -> str:
        return "action_refund_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        order = _visible_order(tracker, dispatcher, self._orders, self._access)
        if order is None:
            return [SlotSet(PHONE_SLOT, None)]
        if order.refund is None:
            dispatcher.utter_message(response="utter_refund_none", order_number=order.order_number)
            return [SlotSet(PHONE_SLOT, None)]
        dispatcher.utter_message(
            response=f"utter_refund_{order.refund.status}",
            order_number=order.order_number,
            amount=f"{order.refund.amount:.2f}",
        )
        return [SlotSet(PHONE_SLOT, None)]
