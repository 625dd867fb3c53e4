"""Pick the order and customer backends: the demo ones, or a company's own by import path."""
from __future__ import annotations

import importlib
from typing import Any

from bot.backends.customers import CustomerDirectory, DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend, OrderBackend
from bot.settings import SettingsError


def _load(spec: str) -> Any:
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise SettingsError(f"a backend must be given as package.module:ClassName, got {spec!r}")
    return getattr(importlib.import_module(module_name), class_name)()


def order_backend(spec: str = "") -> OrderBackend:
    """``spec`` (ORDER_BACKEND) as package.module:Class, or the demo backend on data/demo/orders.yml."""
    return _load(spec) if spec else DemoOrderBackend()


def customer_directory(spec: str = "") -> CustomerDirectory:
    """``spec`` (CUSTOMER_BACKEND) as package.module:Class, or the demo directory on data/demo/customers.yml."""
    return _load(spec) if spec else DemoCustomerDirectory()
