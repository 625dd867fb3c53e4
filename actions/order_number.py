"""Validate an order number the user gave to a form: format, then existence in the backend."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk.executor import CollectingDispatcher

from bot.service.entities import normalise_order_number
from bot.backends.orders import OrderBackend

NO_ORDER_NUMBER = "none"


def validate_order_number(value: Any, dispatcher: CollectingDispatcher, orders: OrderBackend) -> Dict[Text, Any]:
    """The slot update for ``value``: the normalised number, "none" if the user has none, or a re-ask."""
    if value == NO_ORDER_NUMBER:
        return {"order_number": NO_ORDER_NUMBER}
    number = normalise_order_number(str(value or ""))
    if number is None:
        dispatcher.utter_message(response="utter_order_number_invalid")
        return {"order_number": None}
    if orders.get_order(number) is None:
        dispatcher.utter_message(response="utter_order_not_found", order_number=number)
        return {"order_number": None}
    return {"order_number": number}
