"""Validate an order number the user gave to a form: format, look-up limits, then existence."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.backends.orders import OrderBackend
from bot.service.entities import normalise_order_number
from bot.service.identity import CLIENT_ADDRESS, OrderAccess

NO_ORDER_NUMBER = "none"


def client_address(tracker: Tracker) -> str | None:
    """The client's network address, as the channel (never the user) put it in the message metadata."""
    address = (tracker.latest_message.get("metadata") or {}).get(CLIENT_ADDRESS)
    return address if isinstance(address, str) and address else None


def validate_order_number(
    value: Any, dispatcher: CollectingDispatcher, orders: OrderBackend, access: OrderAccess, tracker: Tracker
) -> dict[str, Any]:
    """The slot update for ``value``: the normalised number, "none" if the user has none, or a re-ask.

    Each distinct number counts against the look-up limits before the order system is asked,
    so that nobody learns which numbers exist by trying many; past the limit the form goes on
    without a number.
    """
    if value == NO_ORDER_NUMBER:
        return {"order_number": NO_ORDER_NUMBER}
    number = normalise_order_number(str(value or ""))
    if number is None:
        dispatcher.utter_message(response="utter_order_number_invalid")
        return {"order_number": None}
    if not access.allow_lookup(tracker.sender_id, client_address(tracker), number):
        dispatcher.utter_message(response="utter_lookup_limit")
        return {"order_number": NO_ORDER_NUMBER}
    if orders.get_order(number) is None:
        dispatcher.utter_message(response="utter_order_not_found", order_number=number)
        return {"order_number": None}
    return {"order_number": number}
