"""Orders and refunds, behind one small interface so a company plugs in its own system.

To connect a real order system, write a class with ``get_order(order_number)`` returning an
``Order`` (or None) and set ORDER_BACKEND=package.module:ClassName (see docs/backends.md).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.datafiles.config_files import load_mapping
from bot.language import localized
from bot.settings import PROJECT_ROOT

ORDER_STATUSES = ("awaiting_shipment", "shipped", "delivered", "cancelled")
REFUND_STATUSES = ("processing", "refunded", "rejected")


@dataclass(frozen=True)
class Refund:
    """The refund on an order."""

    status: str
    amount: float


@dataclass(frozen=True)
class Order:
    """What the assistant needs to know about one order."""

    order_number: str
    customer_id: str
    status: str
    items: Mapping[str, str]
    promised_by: dt.date
    carrier: Mapping[str, str]
    tracking_number: str = ""
    refund: Refund | None = None
    # The phone number given with the order: its last four digits verify the owner (身份核实).
    phone: str = ""

    @property
    def phone_last4(self) -> str:
        """The last four digits of the order's phone, or "" when it has none."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return digits[-4:] if len(digits) >= 4 else ""

    def item_names(self, language: str | None) -> str:
        """The ordered items in ``language``."""
        return localized(self.items, language)

    def carrier_name(self, language: str | None) -> str:
        """The carrier in ``language`` (empty before shipping)."""
        return localized(self.carrier, language) if self.carrier else ""

    def is_overdue(self, today: dt.date) -> bool:
        """Not delivered although the promised date has passed."""
        return self.status in ("awaiting_shipment", "shipped") and today > self.promised_by


class OrderBackend(Protocol):
    """What the assistant asks of an order system."""

    def get_order(self, order_number: str) -> Order | None:
        """The order with ``order_number`` (``DD`` + 13 digits), or None if there is none."""


class DemoOrderBackend:
    """Orders from data/demo/orders.yml: sample data for demos and tests."""

    def __init__(self, path: Path = PROJECT_ROOT / "data" / "demo" / "orders.yml") -> None:
        self._orders: dict[str, Order] = {}
        for entry in load_mapping(path).get("orders") or []:
            refund = entry.get("refund")
            order = Order(
                order_number=entry["order_number"],
                customer_id=entry["customer_id"],
                status=entry["status"],
                items=entry["items"],
                promised_by=entry["promised_by"],
                carrier=entry.get("carrier") or {},
                tracking_number=entry.get("tracking_number", ""),
                refund=Refund(refund["status"], float(refund["amount"])) if refund else None,
                phone=str(entry.get("phone") or ""),
            )
            self._orders[order.order_number] = order

    def get_order(self, order_number: str) -> Order | None:
        """The demo order, or None."""
        return self._orders.get(order_number)
