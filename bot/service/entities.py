"""Rule-based entities that code needs too: order numbers (DD + 13 digits, or the 13 digits)."""
from __future__ import annotations

import re

# Also in data/nlu/entities.yml as the `order_number` regex (a test keeps them equal).
ORDER_NUMBER_PATTERN = r"(?<![0-9A-Za-z])(?:[Dd][Dd])?\d{13}(?![0-9A-Za-z])"
_ORDER_NUMBER = re.compile(ORDER_NUMBER_PATTERN)


def find_order_number(text: str) -> str | None:
    """The first order number in ``text``, normalised to ``DD`` + 13 digits, or None."""
    match = _ORDER_NUMBER.search(text or "")
    if not match:
        return None
    digits = match.group(0)[-13:]
    return f"DD{digits}"


def normalise_order_number(value: str) -> str | None:
    """An order number as given (entity value or free text), normalised, or None if it is not one."""
    return find_order_number(value.replace(" ", "")) if value else None
