"""Customer profiles (VIP tier, name, dedicated agent), behind one small interface like the orders."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.datafiles.config_files import load_mapping
from bot.settings import PROJECT_ROOT


@dataclass(frozen=True)
class CustomerProfile:
    """What the assistant and the agents know about a customer."""

    customer_id: str
    name: str = ""
    vip_tier: str | None = None
    dedicated_agent: str = ""  # console username of a VIP's dedicated agent (专属客服), offered their handoffs first

    @property
    def is_vip(self) -> bool:
        """VIP customers are served first."""
        return bool(self.vip_tier)


class CustomerDirectory(Protocol):
    """What the assistant asks of a customer system."""

    def profile(self, conversation_id: str) -> CustomerProfile:
        """The profile of whoever writes in ``conversation_id`` (an anonymous one if unknown)."""


class DemoCustomerDirectory:
    """Profiles from data/demo/customers.yml."""

    def __init__(self, path: Path = PROJECT_ROOT / "data" / "demo" / "customers.yml") -> None:
        self._by_conversation: dict[str, CustomerProfile] = {}
        for entry in load_mapping(path).get("customers") or []:
            profile = CustomerProfile(
                entry["customer_id"], entry.get("name", ""), entry.get("vip_tier"),
                str(entry.get("dedicated_agent") or "").strip().lower(),
            )
            for conversation_id in entry.get("conversation_ids") or []:
                self._by_conversation[conversation_id] = profile

    def profile(self, conversation_id: str) -> CustomerProfile:
        """The demo profile, or an anonymous one."""
        return self._by_conversation.get(conversation_id) or CustomerProfile(customer_id=conversation_id)
