"""Pick the order and customer backends: the demo ones, or a company's own by import path."""
from __future__ import annotations

import importlib
import os
from typing import Any, Mapping, Optional

from bot.customers import CustomerDirectory, DemoCustomerDirectory
from bot.orders import DemoOrderBackend, OrderBackend
from bot.settings import SettingsError


def _load(spec: str) -> Any:
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise SettingsError(f"a backend must be given as package.module:ClassName, got {spec!r}")
    return getattr(importlib.import_module(module_name), class_name)()


def order_backend(environ: Optional[Mapping[str, str]] = None) -> OrderBackend:
    """ORDER_BACKEND=module:Class, or the demo backend on data/demo/orders.yml."""
    spec = (environ if environ is not None else os.environ).get("ORDER_BACKEND", "")
    return _load(spec) if spec else DemoOrderBackend()


def customer_directory(environ: Optional[Mapping[str, str]] = None) -> CustomerDirectory:
    """CUSTOMER_BACKEND=module:Class, or the demo directory on data/demo/customers.yml."""
    spec = (environ if environ is not None else os.environ).get("CUSTOMER_BACKEND", "")
    return _load(spec) if spec else DemoCustomerDirectory()
